# Tests compiled a second time with -march=native, ctest names suffixed " [native]". The default
# build targets plain x86-64 (SSE2); with FMA and AVX2/AVX-512 other paths run, the ones the tool
# and the benchmarks (built with -march=native) take:
# - EDIP evaluates its exponentials with math/exp_inline.hpp's polynomials, and the host runs it
#   four atoms at a time, one per SIMD lane (edip.hpp, EdipKernel::lanes);
# - float activations run a loop over exp_poly and Cephes' log polynomial instead of Eigen's
#   packets (nn/activations_host.hpp), checked by test_nn_layers against the scalar functions;
# - on AVX-512, float GEMMs of the pair tiles and atom layers are nn/tile_gemm.hpp's kernel and the
#   filter's dW1 is summed by rows (nn/window_grad_host.hpp), checked by test_tile_kernels;
# - vectorised loops work on 32- or 64-byte packets, so a result could depend on where a buffer
#   lies on the heap; test_determinism shifts the heap between runs to catch that.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-march=native EIPNN_HAS_MARCH_NATIVE)

if(EIPNN_HAS_MARCH_NATIVE)
  eipnn_add_test(test_eip_edip_native NATIVE
    ${CMAKE_CURRENT_LIST_DIR}/test_eip_edip_cache.cpp
    ${CMAKE_CURRENT_LIST_DIR}/test_exp_inline.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../reference/test_eip_edip_kim.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../gradcheck/test_eip_edip_fd.cpp)
  eipnn_add_test(test_determinism_native NATIVE ${CMAKE_CURRENT_LIST_DIR}/test_determinism.cpp)
  eipnn_add_test(test_nn_layers_native NATIVE ${CMAKE_CURRENT_LIST_DIR}/../gradcheck/test_nn_layers.cpp)
  eipnn_add_test(test_tile_kernels_native NATIVE ${CMAKE_CURRENT_LIST_DIR}/test_tile_kernels.cpp)
endif()
