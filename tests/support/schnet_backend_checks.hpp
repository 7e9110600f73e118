// One test body for every backend (DESIGN habit 8): SchNet's passes (nn/schnet.hpp, written once)
// on backend B against the host model, which the gradchecks and the PyTorch tests establish.
// tests/unit/test_generic_backend.cpp runs it on GenericHost (the device's code path on the CPU:
// the layer-wise cfconv, per-index activations and sums), tests/cuda/test_cuda_schnet.cu on Cuda.
//
// Tolerance: the two sides sum in different orders (the layer-wise cfconv's dense-basis GEMM for
// dW1 against the host's per-window sums, cuBLAS against Eigen blocks, column-per-thread bias sums),
// so they agree to rounding accumulated over chains of O(F) products through the layers
// (compare_to_host, backend_checks.hpp).
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "eipnn/nn/schnet.hpp"
#include "support/backend_checks.hpp"
#include "support/structures.hpp"

namespace eipnn::test {

inline SchNetConfig backend_check_config(bool residual) {
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

// Two graphs: a rattled diamond cell with one Ge, a sheared triclinic cell with atoms outside it.
inline GraphBatch backend_check_batch(double cutoff) {
    Structure a = diamond(5.43, 2, 1, 1);
    rattle(a, 0.15, 3);
    a.numbers[2] = 32;
    Structure b = random_triclinic(9, 4.0, 6.0, 55, 115, 11, /*outside=*/true);
    b.numbers[0] = 32;
    return make_graph_batch({a, b}, cutoff);
}

// Energies of both heads, forces and virials.
template <class B, class T>
void check_schnet_energy_forces(const B& b, bool residual) {
    SchNet<T> model = SchNet<double>(backend_check_config(residual), 7).template cast<T>();
    model.head_scale = {1.3, 0.7};
    model.head_ref = {-4.0, -3.5, -1.0, -2.0};
    const GraphBatch batch = backend_check_batch(model.config.cutoff);
    const double eps = std::numeric_limits<T>::epsilon();

    SchNetForward<T> fw;
    EnergyForces<T> host;
    model.energy_forces(Host{1}, batch, fw, host);

    const SchNetCopy<T, B> copy(b, model);
    const GraphBatchCopy<B> on_b(b, batch);
    SchNetForward<T, B> bfw;
    upload(b, species_indices(model.config.species, batch.numbers, "test"), bfw.species);
    SchNetBackwardWork<T, B> work;
    Buffer<B, T> dE_dr;
    ForceBuffers<T, B> out;
    schnet_energy_forces(b, copy.weights(), on_b.view(), bfw, work, dE_dr, out);
    const std::vector<double> energies = to_host(b, bfw.energies);
    std::vector<double> head0;
    for (std::size_t g = 0; g < energies.size(); g += 2) head0.push_back(energies[g]);
    compare_to_host("energies", host.energies, head0, eps);
    compare_to_host("energies of every head", fw.energies, energies, eps);
    compare_to_host("forces", host.forces, to_host(b, out.forces), eps);
    compare_to_host("virial", host.virial, to_host(b, out.virial), eps);
    // refused with a clear error: species not set, a batch built with another cutoff
    SchNetForward<T, B> fresh;
    REQUIRE_THROWS_WITH(schnet_forward(b, copy.weights(), on_b.view(), fresh), Catch::Contains("fw.species"));
    const GraphBatch other = backend_check_batch(3.0);
    const GraphBatchCopy<B> other_b(b, other);
    upload(b, species_indices(model.config.species, other.numbers, "test"), fresh.species);
    REQUIRE_THROWS_WITH(schnet_forward(b, copy.weights(), other_b.view(), fresh), Catch::Contains("cutoff"));
}

// Parameter gradients of an MSE-like seed on both heads, and dL/dr per pair.
template <class B, class T>
void check_schnet_gradients(const B& b, bool residual) {
    SchNet<T> model = SchNet<double>(backend_check_config(residual), 9).template cast<T>();
    const GraphBatch batch = backend_check_batch(model.config.cutoff);
    const double eps = std::numeric_limits<T>::epsilon();
    std::vector<double> dL_dE(std::size_t(batch.n_graphs()) * 2);
    for (std::size_t k = 0; k < dL_dE.size(); ++k) dL_dE[k] = 0.3 - 0.2 * double(k);

    SchNetForward<T> fw;
    model.forward(Host{1}, batch, fw);
    ParameterBuffer<T> grads(model.layout);
    std::vector<T> dL_dr;
    model.backward_pairs(Host{1}, batch, fw, span_of(std::as_const(dL_dE)), &grads, &dL_dr);

    const SchNetCopy<T, B> copy(b, model);
    const GraphBatchCopy<B> on_b(b, batch);
    SchNetForward<T, B> bfw;
    upload(b, species_indices(model.config.species, batch.numbers, "test"), bfw.species);
    schnet_forward(b, copy.weights(), on_b.view(), bfw);
    // the layer-wise cfconv ran (it keeps a1), not the host's fused tiles
    CHECK(bfw.blocks.at(0).conv.a1.size() == std::size_t(batch.n_pairs()) * std::size_t(model.config.n_features));
    Buffer<B, T> b_grads, b_dL_dr;
    upload(b, std::vector<T>(grads.data.size(), T(0)), b_grads);
    SchNetBackwardWork<T, B> work;
    schnet_backward_pairs(b, copy.weights(), on_b.view(), bfw, span_of(std::as_const(dL_dE)), copy.grads_of(b_grads),
                          &b_dL_dr, Span<const T>{}, work);
    compare_parameter_grads(model.layout, grads.data, to_host(b, b_grads), eps);
    compare_to_host("dL/dr per pair", dL_dr, to_host(b, b_dL_dr), eps);
}

}  // namespace eipnn::test
