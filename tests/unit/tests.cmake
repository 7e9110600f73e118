# EDIP's tests again, compiled with -march=native: on hosts with FMA and AVX2/AVX-512 the EDIP
# kernel then evaluates its exponentials with math/exp_inline.hpp's polynomials (as the
# benchmarks, built with -march=native, do), a path the default build never takes. Same sources,
# ctest names suffixed " [native]".
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-march=native EIPNN_HAS_MARCH_NATIVE)
if(EIPNN_HAS_MARCH_NATIVE)
  add_executable(test_eip_edip_native
    ${CMAKE_CURRENT_LIST_DIR}/test_eip_edip_cache.cpp
    ${CMAKE_CURRENT_LIST_DIR}/test_exp_inline.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../reference/test_eip_edip_kim.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../gradcheck/test_eip_edip_fd.cpp
    $<TARGET_OBJECTS:eipnn_test_main>)
  target_link_libraries(test_eip_edip_native PRIVATE eipnn::core Catch2::Catch2 Eigen3::Eigen)
  target_include_directories(test_eip_edip_native PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(test_eip_edip_native PRIVATE
    EIPNN_SHARED_DIR="${EIPNN_SHARED_DIR}"
    EIPNN_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
    EIPNN_BINARY_DIR="${PROJECT_BINARY_DIR}"
    EIPNN_PYTHON="${EIPNN_PYTHON}")
  target_compile_options(test_eip_edip_native PRIVATE -Wall -Wextra -march=native)
  eipnn_sanitize(test_eip_edip_native)
  catch_discover_tests(test_eip_edip_native TEST_SUFFIX " [native]" EXTRA_ARGS -w NoTests PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500)
endif()
