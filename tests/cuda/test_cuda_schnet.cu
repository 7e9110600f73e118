// The device SchNet (kernels/eipnn/cuda/nn_schnet.cuh) against the host model, which the gradcheck
// and PyTorch tests establish: energies, forces, virials and parameter gradients of an energy
// loss, in double and float, with and without the residual connection, two energy heads.
// Tolerance: the two sides sum in different orders (cuBLAS against Eigen blocks, per-pair window
// table against the host tiles), so they agree to rounding accumulated over chains of O(F)
// products through the layers: 1000 eps(T) of the largest magnitude of each quantity.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/nn_schnet.cuh"
#include "eipnn/nn/schnet.hpp"
#include "support/structures.hpp"

using namespace eipnn;

namespace {

SchNetConfig small_config(bool residual) {
    SchNetConfig c;
    c.species = {14, 32};
    c.cutoff = 3.5;
    c.n_features = 24;  // not a multiple of the dot products' lane count: the tails run too
    c.n_rbf = 20;
    c.n_interactions = 2;
    c.residual = residual;
    c.head_hidden = 7;
    c.n_heads = 2;
    return c;
}

GraphBatch small_batch(double cutoff) {
    Structure a = test::diamond(5.43, 2, 1, 1);
    test::rattle(a, 0.15, 3);
    a.numbers[2] = 32;
    Structure b = test::random_triclinic(9, 4.0, 6.0, 55, 115, 11, /*outside=*/true);
    b.numbers[0] = 32;
    return make_graph_batch({a, b}, cutoff);
}

template <class A, class B>
void compare(const char* what, const A& host, const B& device, double eps) {
    REQUIRE(host.size() == device.size());
    double scale = 0, worst = 0;
    for (std::size_t k = 0; k < host.size(); ++k) {
        scale = std::max(scale, std::abs(double(host[k])));
        worst = std::max(worst, std::abs(double(host[k]) - double(device[k])));
    }
    INFO(what << ": max |host - device| = " << worst << ", largest |host| = " << scale);
    CHECK(worst <= 1000 * eps * scale);
}

template <class T>
void energy_forces_case(bool residual) {
    SchNet<T> model = SchNet<double>(small_config(residual), 7).template cast<T>();
    model.head_scale = {1.3, 0.7};
    model.head_ref = {-4.0, -3.5, -1.0, -2.0};
    const GraphBatch batch = small_batch(model.config.cutoff);
    const double eps = std::numeric_limits<T>::epsilon();

    SchNetForward<T> fw;
    EnergyForces<T> host;
    model.energy_forces(Host{1}, batch, fw, host);

    gpu::SchNetDevice<T> dm(model);
    const gpu::SchNetDeviceBatch db = dm.upload(batch);
    gpu::SchNetDeviceForward<T> dfw;
    EnergyForces<T> dev;
    dm.energy_forces(Cuda{}, db, dfw, dev);
    compare("energies", host.energies, dev.energies, eps);
    compare("forces", host.forces, dev.forces, eps);
    compare("virial", host.virial, dev.virial, eps);
    // both heads' energies
    compare("energies of every head", fw.energies, dfw.energies.download(), eps);
}

template <class T>
void gradients_case(bool residual) {
    SchNet<T> model = SchNet<double>(small_config(residual), 9).template cast<T>();
    const GraphBatch batch = small_batch(model.config.cutoff);
    const double eps = std::numeric_limits<T>::epsilon();
    // an MSE-like seed on both heads, different per graph
    std::vector<double> dL_dE(std::size_t(batch.n_graphs()) * 2);
    for (std::size_t k = 0; k < dL_dE.size(); ++k) dL_dE[k] = 0.3 - 0.2 * double(k);

    SchNetForward<T> fw;
    model.forward(Host{1}, batch, fw);
    ParameterBuffer<T> grads(model.layout);
    std::vector<T> dL_dr;
    model.backward_pairs(Host{1}, batch, fw, span_of(std::as_const(dL_dE)), &grads, &dL_dr);

    gpu::SchNetDevice<T> dm(model);
    const gpu::SchNetDeviceBatch db = dm.upload(batch);
    gpu::SchNetDeviceForward<T> dfw;
    dm.forward(Cuda{}, db, dfw);
    gpu::DeviceBuffer<T> d_grads(std::vector<T>(grads.data.size(), T(0)));
    gpu::DeviceBuffer<T> d_dL_dr;
    dm.backward(Cuda{}, db, dfw, dL_dE, &d_grads, &d_dL_dr);
    const std::vector<T> dev = d_grads.download();
    for (const ParameterEntry& e : model.layout.entries()) {
        const std::vector<T> h(grads.data.begin() + e.offset, grads.data.begin() + e.offset + e.size());
        const std::vector<T> d(dev.begin() + e.offset, dev.begin() + e.offset + e.size());
        compare(e.name.c_str(), h, d, eps);
    }
    compare("dL/dr per pair", dL_dr, d_dL_dr.download(), eps);
}

}  // namespace

TEST_CASE("cuda SchNet energies, forces and virials equal the host model's", "[cuda][nn]") {
    test::require_gpu_or_skip();
    for (bool residual : {false, true}) {
        energy_forces_case<double>(residual);
        energy_forces_case<float>(residual);
    }
}

TEST_CASE("cuda SchNet parameter gradients equal the host model's", "[cuda][nn]") {
    test::require_gpu_or_skip();
    for (bool residual : {false, true}) {
        gradients_case<double>(residual);
        gradients_case<float>(residual);
    }
}

TEST_CASE("cuda SchNet rejects a batch built with another cutoff", "[cuda][nn][errors]") {
    test::require_gpu_or_skip();
    const SchNet<double> model(small_config(false), 7);
    gpu::SchNetDevice<double> dm(model);
    REQUIRE_THROWS_WITH(dm.upload(small_batch(3.0)), Catch::Contains("cutoff"));
}
