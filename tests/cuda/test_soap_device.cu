// The SOAP descriptor and SOAPNet's passes on the device against the host: the bodies of
// tests/support/soap_backend_checks.hpp, which test_generic_backend.cpp runs on the host through
// GenericHost (the same code path). Skipped (code 77) without a GPU; compiled by nvcc wherever it
// exists.
#include <catch2/catch.hpp>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/backend.cuh"
#include "support/soap_backend_checks.hpp"

using namespace eipnn;

TEST_CASE("soap: device matches the host: descriptors and gradients", "[soap][cuda]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    test::check_soap_descriptor(ctx.backend());
}

TEST_CASE("soapnet: device matches the host: energies, parameter and position gradients", "[soap][cuda][nn]") {
    test::require_gpu_or_skip();
    const gpu::CudaContext ctx;
    test::check_soapnet<Cuda, double>(ctx.backend());
    test::check_soapnet<Cuda, float>(ctx.backend());
}
