// SchNet's passes on the device against the host model: the bodies of
// tests/support/schnet_backend_checks.hpp, which test_generic_backend.cpp runs on the host through
// GenericHost (the same code path). Double and float, with and without the residual connection,
// two energy heads.
#include <catch2/catch.hpp>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/backend.cuh"
#include "support/schnet_backend_checks.hpp"

using namespace eipnn;

TEST_CASE("cuda SchNet energies, forces and virials equal the host model's", "[cuda][nn]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    for (bool residual : {false, true}) {
        test::check_schnet_energy_forces<Cuda, double>(ctx.backend(), residual);
        test::check_schnet_energy_forces<Cuda, float>(ctx.backend(), residual);
    }
}

TEST_CASE("cuda SchNet parameter gradients equal the host model's", "[cuda][nn]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    for (bool residual : {false, true}) {
        test::check_schnet_gradients<Cuda, double>(ctx.backend(), residual);
        test::check_schnet_gradients<Cuda, float>(ctx.backend(), residual);
    }
}
