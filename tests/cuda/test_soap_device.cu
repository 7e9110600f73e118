// The device SOAP (kernels/eipnn/cuda/soap.cuh) against the host path, which the NumPy reference
// and finite-difference tests establish: descriptors and dL/dvec in double, with and without l2
// normalisation, two species, a periodic and a free structure in one batch. Same functors on both
// sides; the device may fuse multiply-adds, so agreement is to rounding: 1000 eps of the largest
// magnitude. Skipped (code 77) without a GPU; compiled by nvcc wherever it exists.
#include <catch2/catch.hpp>

#include <random>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/soap.cuh"
#include "eipnn/geometry/prototypes.hpp"

using namespace eipnn;

namespace {

GraphBatch two_structures(double cutoff) {
    Structure a = build_prototype(prototype("diamond"), 14, 2.35, {2, 1, 1});
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> u(-0.15, 0.15);
    for (double& x : a.positions) x += u(rng);
    a.numbers[3] = 32;
    Structure b;
    b.positions = {0, 0, 0, 2.3, 0.2, 0.1, -0.3, 2.4, 0.5, 1.0, 1.1, 2.2, 4.1, 1.9, -0.4};
    b.numbers = {32, 14, 14, 32, 14};
    return make_graph_batch({a, b}, cutoff);
}

void compare(const char* what, const std::vector<double>& host, const std::vector<double>& device) {
    REQUIRE(host.size() == device.size());
    double scale = 0, worst = 0;
    for (std::size_t k = 0; k < host.size(); ++k) {
        scale = std::max(scale, std::abs(host[k]));
        worst = std::max(worst, std::abs(host[k] - device[k]));
    }
    INFO(what << ": max |host - device| = " << worst << ", largest |host| = " << scale);
    CHECK(worst <= 1000 * test::eps<double>() * scale);
}

}  // namespace

TEST_CASE("soap: device matches the host: descriptors and gradients", "[soap][cuda]") {
    test::require_gpu_or_skip();
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        SoapConfig cfg;
        cfg.species = {14, 32};
        cfg.normalization = norm;
        const SoapBasis basis = SoapBasis::make(cfg);
        const GraphBatch batch = two_structures(cfg.cutoff);
        SoapSaved<double> saved;
        std::vector<double> P, dL_dvec;
        soap_fwd(Host{}, batch, basis, saved, P);
        std::vector<double> dL_dP(P.size());
        std::mt19937_64 rng(9);
        std::uniform_real_distribution<double> u(-1, 1);
        for (double& g : dL_dP) g = u(rng);
        soap_bwd(Host{}, batch, basis, saved, P, matrix_of(dL_dP, basis.n_features()), dL_dvec);

        const gpu::DeviceSoapBasis dbasis(basis);
        const gpu::DeviceGraphBatch dbatch(batch);
        gpu::DeviceSoapState<double> state;
        gpu::soap_fwd(Cuda{}, batch, dbatch, dbasis, state);
        state.dL_dP.upload(dL_dP);
        gpu::soap_bwd(Cuda{}, batch, dbatch, dbasis, state);
        compare("P", P, state.P.download());
        compare("dL/dvec", dL_dvec, state.dL_dvec.download());
    }
}
