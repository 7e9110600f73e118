// The backend interface (core/backend.hpp) on the device: the bodies of
// tests/support/backend_checks.hpp, which test_host_backend.cpp runs on the host.
#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/backend.cuh"
#include "support/backend_checks.hpp"

using namespace eipnn;

TEST_CASE("backend interface on the device: scans, reductions, GEMM, memory, optimizer", "[cuda][backend]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    const Cuda dev = ctx.backend();
    test::check_backend_scans(dev);
    test::check_backend_reductions(dev);
    test::check_backend_gemm<Cuda, float>(dev);
    test::check_backend_gemm<Cuda, double>(dev);
    test::check_backend_memory(dev);
    test::check_backend_optimizer<Cuda, float>(dev);
    test::check_backend_optimizer<Cuda, double>(dev);
}

TEST_CASE("the Cuda backend without a cuBLAS handle refuses a GEMM with a clear error", "[cuda][backend]") {
    test::require_gpu_or_skip();
    const Cuda bare{};
    gpu::DeviceBuffer<float> a(std::vector<float>(4, 1.0f)), c(4);
    REQUIRE_THROWS_WITH(gemm(bare, std::as_const(a).matrix(2), false, std::as_const(a).matrix(2), false, c.matrix(2), false),
                        Catch::Contains("no cuBLAS handle"));
}
