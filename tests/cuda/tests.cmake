# Device tests: compiled whenever nvcc exists (so CI proves they build), run only where a GPU is
# present; elsewhere each case exits 77 and ctest reports it as skipped.
if(TARGET eipnn::cuda)
  file(GLOB EIPNN_CUDA_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_*.cu)
  foreach(src ${EIPNN_CUDA_TEST_SOURCES})
    get_filename_component(stem ${src} NAME_WE)
    add_executable(${stem} ${src} $<TARGET_OBJECTS:eipnn_test_main>)
    target_link_libraries(${stem} PRIVATE eipnn::cuda Catch2::Catch2)
    target_include_directories(${stem} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_compile_definitions(${stem} PRIVATE
      EIPNN_SHARED_DIR="${EIPNN_SHARED_DIR}" EIPNN_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
      EIPNN_BINARY_DIR="${PROJECT_BINARY_DIR}" EIPNN_PYTHON="${EIPNN_PYTHON}")
    catch_discover_tests(${stem} EXTRA_ARGS -w NoTests PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()
endif()
