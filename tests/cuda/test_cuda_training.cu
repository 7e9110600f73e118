// An epoch of training on the device against the host: the body of
// tests/support/training_backend_checks.hpp, which test_generic_backend.cpp runs on the host
// through GenericHost. SchNet and SOAPNet: the energy step, the energy+force+stress step's
// gradient (float and double) and an epoch on forces.
#include <catch2/catch.hpp>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/backend.cuh"
#include "support/training_backend_checks.hpp"

using namespace eipnn;

TEST_CASE("cuda: an epoch of training equals the host's, SchNet and SOAPNet", "[cuda][train]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    test::check_training_epochs(ctx.backend());
}

TEST_CASE("cuda: the energy+force+stress loss's gradient equals the host's", "[cuda][train]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    test::check_force_steps<Cuda, double>(ctx.backend());
    test::check_force_steps<Cuda, float>(ctx.backend());
}

TEST_CASE("cuda: an epoch of force training equals the host's", "[cuda][train]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    test::check_force_training_epochs(ctx.backend());
}
