# The OpenKIM driver (kim/) in LAMMPS against `eipnn eval`: export, install into an environment
# collection inside the build tree, run `lmp` (1 and 2 MPI ranks) with pair_style kim on mlearn
# Si configurations; then a minimal KIM simulator (kim_species_check.cpp, built where the KIM API's
# CMake package exists) calls the installed models directly, an unknown species code included.
# Skipped (77) without lmp, mpirun, the KIM API tools or the data.
if(TARGET eipnn_cli)
  find_package(KIM-API 2.2 CONFIG QUIET)
  set(EIPNN_KIM_SPECIES_CHECK none)
  if(TARGET KIM-API::kim-api)
    add_executable(kim_species_check ${CMAKE_CURRENT_LIST_DIR}/kim_species_check.cpp)
    target_link_libraries(kim_species_check PRIVATE KIM-API::kim-api)
    target_compile_options(kim_species_check PRIVATE -Wall -Wextra)
    set(EIPNN_KIM_SPECIES_CHECK $<TARGET_FILE:kim_species_check>)
  endif()
  add_test(NAME kim.lammps_agrees_with_eval
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_agreement.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${PROJECT_BINARY_DIR}/test-scratch/kim_agreement
            ${EIPNN_KIM_SPECIES_CHECK})
  set_tests_properties(kim.lammps_agrees_with_eval PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
