# Tests compiled a second time with -march=native, ctest names suffixed " [native]". The default
# build targets plain x86-64 (SSE2); with FMA and AVX2/AVX-512 other paths run, the ones the tool
# and the benchmarks (built with -march=native) take:
# - EDIP evaluates its exponentials with math/exp_inline.hpp's polynomials;
# - vectorised loops work on 32- or 64-byte packets, so a result could depend on where a buffer
#   lies on the heap; test_determinism shifts the heap between runs to catch that.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-march=native EIPNN_HAS_MARCH_NATIVE)

# eipnn_add_native_test(<name> <sources...>)
function(eipnn_add_native_test name)
  add_executable(${name} ${ARGN} $<TARGET_OBJECTS:eipnn_test_main>)
  target_link_libraries(${name} PRIVATE eipnn::core Catch2::Catch2 Eigen3::Eigen)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(${name} PRIVATE
    EIPNN_SHARED_DIR="${EIPNN_SHARED_DIR}"
    EIPNN_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
    EIPNN_BINARY_DIR="${PROJECT_BINARY_DIR}"
    EIPNN_PYTHON="${EIPNN_PYTHON}")
  target_compile_options(${name} PRIVATE -Wall -Wextra -march=native)
  eipnn_sanitize(${name})
  catch_discover_tests(${name} TEST_SUFFIX " [native]" EXTRA_ARGS -w NoTests PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500)
endfunction()

if(EIPNN_HAS_MARCH_NATIVE)
  eipnn_add_native_test(test_eip_edip_native
    ${CMAKE_CURRENT_LIST_DIR}/test_eip_edip_cache.cpp
    ${CMAKE_CURRENT_LIST_DIR}/test_exp_inline.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../reference/test_eip_edip_kim.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../gradcheck/test_eip_edip_fd.cpp)
  eipnn_add_native_test(test_determinism_native ${CMAKE_CURRENT_LIST_DIR}/test_determinism.cpp)
endif()
