// One test body for every backend (DESIGN habit 8): the training steps of train/batch_step.hpp
// (the steps ModelTrainer runs, on the host or through a GradientBackend) on backend B against the
// host model, for SchNet and SOAPNet:
// - an epoch on energies in double: three batches, MSE on per-graph targets, clipping and AdamW;
// - the gradient of the energy+force+stress loss (the second-order passes, nn/second_order.hpp:
//   on B the layer-wise cfconv's tangent and second backward, per-index activation tangents and
//   second derivatives) in float and double, every parameter compared, SchNet with and without
//   the residual connection;
// - an epoch on energies, forces and stresses in double.
// tests/unit/test_generic_backend.cpp runs them on GenericHost, tests/cuda/test_cuda_training.cu
// on Cuda.
//
// Tolerance: each step's gradients agree to rounding (compare_to_host), and Adam divides by the
// gradients' running RMS, so the parameters after an epoch agree to the same relative rounding
// of the updates: 1000 eps(double) of the largest parameter.
#pragma once
#include <catch2/catch.hpp>

#include <functional>
#include <random>
#include <vector>

#include "eipnn/train/batch_step.hpp"
#include "eipnn/train/force_training.hpp"
#include "support/schnet_backend_checks.hpp"
#include "support/soap_backend_checks.hpp"

namespace eipnn::test {

// The host model is copied to b (SchNetCopy or SoapNetCopy), both then train one epoch.
template <class B, class Model>
void check_training_epoch(const B& b, Model model, const std::vector<GraphBatch>& batches) {
    using On = typename Model::template On<B>;
    using T = typename Model::Scalar;
    const AdamConfig adam_config{2e-3, 0.9, 0.999, 1e-8, 1e-3, true};
    const double clip = 0.5, lr = 2e-3;
    auto mse = [](const std::vector<double>& e, std::vector<double>& d, std::size_t K) {
        double loss = 0;
        const std::size_t G = e.size() / K;
        d.assign(e.size(), 0.0);
        for (std::size_t g = 0; g < G; ++g) {
            const double r = e[g * K] - (-5.0 + 0.3 * double(g));  // head 0 against made-up targets
            loss += r * r / double(G);
            d[g * K] = 2 * r / double(G);
        }
        return loss;
    };
    const std::size_t K = std::size_t(model.config.n_heads);
    const auto loss = [&](const std::vector<double>& e, std::vector<double>& d) { return mse(e, d, K); };

    typename On::Copy copy(b, model);  // before the host trains: both start from the same weights
    const std::vector<T> initial = model.params.data;
    {
        typename Model::Forward fw;
        typename Model::BackwardWork work;
        ParameterBuffer<T> grads(model.layout);
        Adam<T> adam(grads.data.size(), adam_config);
        std::vector<double> energies, dL_dE;
        for (const GraphBatch& batch : batches) {
            model.prepare_forward(batch, fw);
            const double l = energy_step_gradients(Host{1}, model.weights(), batch, fw, work, grads.data, grads.views(),
                                                   loss, energies, dL_dE);
            REQUIRE(std::isfinite(l));
            apply_update(Host{1}, span_of(model.params.data), grads.flat(), clip, adam, lr);
        }
    }
    REQUIRE(model.params.data != initial);  // the epoch moved the weights: the comparison below means something
    Buffer<B, T>& params = copy.params;  // the copy's weights: what training updates
    Buffer<B, T> grads(params.size());
    Adam<T, B> adam(b, params.size(), adam_config);
    std::vector<double> energies, dL_dE;
    for (const GraphBatch& batch : batches) {
        const GraphBatchCopy<B> on_b(b, batch);
        typename On::Forward fw;
        typename On::BackwardWork work;
        upload(b, species_indices(model.config.species, batch.numbers, "test"), fw.species);
        energy_step_gradients(b, copy.weights(), on_b.view(), fw, work, grads, copy.grads_of(grads), loss, energies,
                              dL_dE);
        apply_update(b, span_of(params), span_of(grads), clip, adam, lr);
    }
    compare_to_host("parameters after an epoch", model.params.data, to_host(b, params),
                    std::numeric_limits<double>::epsilon());
}

// Three batches of two configurations (a rattled diamond cell with a Ge, a sheared cell, a cluster).
inline std::vector<GraphBatch> training_check_batches(double cutoff) {
    std::vector<GraphBatch> out;
    for (unsigned seed : {1u, 2u, 3u}) {
        Structure a = diamond(5.43, 2, 1, 1);
        rattle(a, 0.1, seed);
        a.numbers[seed] = 32;
        Structure c = random_triclinic(8, 4.5, 6.0, 60, 110, 20 + seed, /*outside=*/true);
        out.push_back(make_graph_batch({a, c}, cutoff));
    }
    return out;
}

// The SOAPNet of these checks, its input standardisation fitted on `batches`.
inline SoapNet<double> fitted_check_soapnet(const std::vector<GraphBatch>& batches) {
    SoapNet<double> model(small_soapnet_config(), 4);
    model.fit_inputs(Host{}, index_t(batches.size()), [&](index_t k) { return batches[std::size_t(k)]; });
    return model;
}

template <class B>
void check_training_epochs(const B& b) {
    const SchNet<double> schnet(backend_check_config(false), 3);
    check_training_epoch(b, schnet, training_check_batches(schnet.config.cutoff));
    const std::vector<GraphBatch> batches = training_check_batches(small_soapnet_config().cutoff);
    check_training_epoch(b, fitted_check_soapnet(batches), batches);
}

// Made-up labels of a batch: energies near the model's scale, forces of O(1) eV/Å, a stress on
// the first graph only (the second has none: its term must be skipped on both sides).
inline BatchLabels force_check_labels(const GraphBatch& batch, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    BatchLabels l;
    for (index_t g = 0; g < batch.n_graphs(); ++g) {
        l.energies.push_back(-4.0 * double(batch.atom_offsets[std::size_t(g) + 1] - batch.atom_offsets[std::size_t(g)]));
        l.labelled.push_back(1);
        l.weak_forces.push_back(0);
        l.has_stress.push_back(char(g == 0));
        for (int c = 0; c < 9; ++c) l.stress.push_back(g == 0 ? 0.01 * u(rng) : 0.0);
    }
    for (index_t k = 0; k < 3 * batch.n_atoms(); ++k) l.forces.push_back(u(rng));
    return l;
}

inline const LossWeights kForceCheckWeights{1.0, 0.7, 30.0};

// An extra energy term on every head (as strategy 1's weak labels add one): sum of c_k E_gk, so
// that every head's seed in the second backward is nonzero.
inline double linear_energy_term(const std::vector<double>& energies, std::vector<double>& dL_dE) {
    dL_dE.resize(energies.size());
    double value = 0;
    for (std::size_t k = 0; k < energies.size(); ++k) {
        dL_dE[k] = 0.01 * double(k + 1);
        value += dL_dE[k] * energies[k];
    }
    return value;
}

// One step's gradient of the energy+force+stress loss (plus linear_energy_term) on b against
// EnergyForceStep on the host.
template <class B, class Model>
void check_force_step(const B& b, const Model& model, const GraphBatch& batch) {
    using T = typename Model::Scalar;
    using On = typename Model::template On<B>;
    const double eps = std::numeric_limits<T>::epsilon();
    const BatchLabels labels = force_check_labels(batch, 5);
    ParameterBuffer<T> host_grads(model.layout);
    EnergyForceStep<Model> step;
    const LossTerms host_terms =
        step(Host{1}, model, batch, labels, kForceCheckWeights, host_grads,
             [](const std::vector<std::size_t>&, const std::vector<double>& e, std::vector<double>& d) {
                 return linear_energy_term(e, d);
             });
    REQUIRE(host_terms.forces > 0);
    REQUIRE(host_terms.stress > 0);

    const typename On::Copy copy(b, model);
    const GraphBatchCopy<B> on_b(b, batch);
    typename On::Forward fw;
    typename On::ForceAdjoints adj;
    typename On::BackwardWork work;
    ForceStepBuffers<T, B> buffers;
    Buffer<B, T> grads(model.params.data.size());
    zero(b, span_of(grads));
    upload(b, species_indices(model.config.species, batch.numbers, "test"), fw.species);
    const std::function<double(const std::vector<double>&, std::vector<double>&)> extra = linear_energy_term;
    const LossTerms terms = energy_force_step_gradients(b, copy.weights(), batch, on_b.view(), fw, adj, work, labels,
                                                        kForceCheckWeights, copy.grads_of(grads), buffers, extra);
    compare_to_host("loss terms", std::vector<double>{host_terms.energy, host_terms.forces, host_terms.stress},
                    std::vector<double>{terms.energy, terms.forces, terms.stress}, eps);
    compare_to_host("forces", step.predictions().forces, buffers.pred.forces, eps);
    compare_parameter_grads(model.layout, host_grads.data, to_host(b, grads), eps);
}

// An epoch on energies, forces and stresses: EnergyForceStep and Adam on the host against
// energy_force_step_gradients and Adam on b.
template <class B, class Model>
void check_force_training_epoch(const B& b, Model model, const std::vector<GraphBatch>& batches) {
    using T = typename Model::Scalar;
    using On = typename Model::template On<B>;
    const AdamConfig adam_config{2e-3, 0.9, 0.999, 1e-8, 1e-3, true};
    const double clip = 0.5, lr = 2e-3;
    typename On::Copy copy(b, model);  // before the host trains: both start from the same weights
    const std::vector<T> initial = model.params.data;
    {
        EnergyForceStep<Model> step;
        ParameterBuffer<T> grads(model.layout);
        Adam<T> adam(grads.data.size(), adam_config);
        unsigned seed = 0;
        for (const GraphBatch& batch : batches) {
            std::fill(grads.data.begin(), grads.data.end(), T(0));
            const LossTerms l = step(Host{1}, model, batch, force_check_labels(batch, ++seed), kForceCheckWeights, grads);
            REQUIRE(std::isfinite(l.total()));
            apply_update(Host{1}, span_of(model.params.data), grads.flat(), clip, adam, lr);
        }
    }
    REQUIRE(model.params.data != initial);
    Buffer<B, T>& params = copy.params;
    Buffer<B, T> grads(params.size());
    Adam<T, B> adam(b, params.size(), adam_config);
    typename On::ForceAdjoints adj;
    typename On::BackwardWork work;
    ForceStepBuffers<T, B> buffers;
    unsigned seed = 0;
    for (const GraphBatch& batch : batches) {
        const GraphBatchCopy<B> on_b(b, batch);
        typename On::Forward fw;
        upload(b, species_indices(model.config.species, batch.numbers, "test"), fw.species);
        zero(b, span_of(grads));
        energy_force_step_gradients(b, copy.weights(), batch, on_b.view(), fw, adj, work,
                                    force_check_labels(batch, ++seed), kForceCheckWeights, copy.grads_of(grads),
                                    buffers, nullptr);
        apply_update(b, span_of(params), span_of(grads), clip, adam, lr);
    }
    compare_to_host("parameters after an epoch on forces", model.params.data, to_host(b, params),
                    std::numeric_limits<double>::epsilon());
}

template <class B, class T>
void check_force_steps(const B& b) {
    const GraphBatch batch = backend_check_batch(backend_check_config(false).cutoff);
    for (bool residual : {false, true}) {
        SchNet<T> model = SchNet<double>(backend_check_config(residual), 9).template cast<T>();
        model.head_scale = {1.3, 0.7};
        model.head_ref = {-4.0, -3.5, -1.0, -2.0};
        check_force_step(b, model, batch);
    }
    const std::vector<GraphBatch> batches = training_check_batches(small_soapnet_config().cutoff);
    check_force_step(b, fitted_check_soapnet(batches).template cast<T>(), batches[0]);
}

template <class B>
void check_force_training_epochs(const B& b) {
    const SchNet<double> model(backend_check_config(false), 3);
    check_force_training_epoch(b, model, training_check_batches(model.config.cutoff));
    const std::vector<GraphBatch> batches = training_check_batches(small_soapnet_config().cutoff);
    check_force_training_epoch(b, fitted_check_soapnet(batches), batches);
}

}  // namespace eipnn::test
