# The OpenKIM driver (kim/) in LAMMPS, every test exporting and installing models into an
# environment collection inside the build tree (kim_support.py) and skipped (77) without lmp,
# mpirun, the KIM API tools or the data:
#   kim.lammps_agrees_with_eval  `lmp` (1, 2 and 3 MPI ranks) with pair_style kim against `eipnn
#                                eval` on mlearn Si configurations and a cell narrower than the
#                                model's reach; then a minimal KIM simulator (kim_species_check.cpp,
#                                built where the KIM API's CMake package exists) calls the installed
#                                models directly, an unknown species code included
#   kim.bad_input_stops_cleanly  broken checkpoints, unknown species, overlapping atoms: lmp stops
#                                on its error path with the driver's reason, on 1 and 2 ranks
#   kim.nve_conserves_energy     a SOAPNet trained on forces, 512 Si atoms, 2,000 NVE steps: the
#                                energy error is velocity Verlet's O(dt^2) and does not drift
#   kim.refresh_reference_energy `kim param get|set reference_energy` (the driver's one published
#                                parameter and its Refresh): the value is the checkpoint's, a new
#                                one shifts the energy by N x the change and leaves forces and
#                                virial alone, a value that is not finite stops lmp with the
#                                driver's message, on 1 and 2 ranks; then a minimal KIM simulator
#                                (kim_parameter_check.cpp) sets it through the KIM API and writes
#                                the changed model (WriteParameterizedModel), which LAMMPS runs
#   kim.compressed_schnet        a SchNet exported with --compress: the driver tabulates its
#                                filters at load, LAMMPS (1, 2 ranks) agrees with `eipnn eval
#                                --compress`, and stays within 1e-3 eV/Å of the exact forces
if(TARGET eipnn_cli)
  find_package(KIM-API 2.2 CONFIG QUIET)
  set(EIPNN_KIM_SPECIES_CHECK none)
  set(EIPNN_KIM_PARAMETER_CHECK none)
  if(TARGET KIM-API::kim-api)
    foreach(check kim_species_check kim_parameter_check)
      add_executable(${check} ${CMAKE_CURRENT_LIST_DIR}/${check}.cpp)
      target_link_libraries(${check} PRIVATE KIM-API::kim-api)
      target_compile_options(${check} PRIVATE -Wall -Wextra)
    endforeach()
    set(EIPNN_KIM_SPECIES_CHECK $<TARGET_FILE:kim_species_check>)
    set(EIPNN_KIM_PARAMETER_CHECK $<TARGET_FILE:kim_parameter_check>)
  endif()
  set(EIPNN_KIM_SCRATCH ${PROJECT_BINARY_DIR}/test-scratch)
  add_test(NAME kim.lammps_agrees_with_eval
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_agreement.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${EIPNN_KIM_SCRATCH}/kim_agreement
            ${EIPNN_KIM_SPECIES_CHECK})
  add_test(NAME kim.bad_input_stops_cleanly
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_bad_input.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${EIPNN_KIM_SCRATCH}/kim_bad_input)
  add_test(NAME kim.nve_conserves_energy
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_nve.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${EIPNN_KIM_SCRATCH}/kim_nve)
  add_test(NAME kim.refresh_reference_energy
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_refresh.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${EIPNN_KIM_SCRATCH}/kim_refresh
            ${EIPNN_KIM_PARAMETER_CHECK})
  add_test(NAME kim.compressed_schnet
    COMMAND ${EIPNN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kim_compressed.py $<TARGET_FILE:eipnn_cli>
            ${PROJECT_SOURCE_DIR}/scripts ${EIPNN_SHARED_DIR}/data ${EIPNN_KIM_SCRATCH}/kim_compressed)
  set_tests_properties(kim.lammps_agrees_with_eval kim.bad_input_stops_cleanly kim.nve_conserves_energy
                       kim.refresh_reference_energy kim.compressed_schnet PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
