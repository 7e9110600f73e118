// One test body for every backend (DESIGN habit 8): an epoch of training on energies through
// train/batch_step.hpp (the step EnergyTrainer runs on the host) on backend B, against the same
// epoch on the host model, for SchNet and SOAPNet in double: three batches, MSE on per-graph
// targets, clipping and AdamW. tests/unit/test_generic_backend.cpp runs it on GenericHost,
// tests/cuda/test_cuda_training.cu on Cuda.
//
// Tolerance: each step's gradients agree to rounding (compare_to_host), and Adam divides by the
// gradients' running RMS, so the parameters after the epoch agree to the same relative rounding
// of the updates: 1000 eps(double) of the largest parameter.
#pragma once
#include <catch2/catch.hpp>

#include <vector>

#include "eipnn/train/batch_step.hpp"
#include "support/schnet_backend_checks.hpp"
#include "support/soap_backend_checks.hpp"

namespace eipnn::test {

// The host model is copied to b by `Copy` (SchNetCopy or SoapNetCopy), both then train one epoch.
template <class B, class Model, class Copy>
void check_training_epoch(const B& b, Model model, const std::vector<GraphBatch>& batches) {
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

    Copy copy(b, model);  // before the host trains: both start from the same weights
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
        if constexpr (std::is_same_v<Model, SchNet<T>>) {
            SchNetForward<T, B> fw;
            SchNetBackwardWork<T, B> work;
            upload(b, species_indices(model.config.species, batch.numbers, "test"), fw.species);
            energy_step_gradients(b, copy.weights(), on_b.view(), fw, work, grads, copy.grads_of(grads), loss, energies,
                                  dL_dE);
        } else {
            SoapNetForward<T, B> fw;
            SoapNetBackwardWork<T, B> work;
            upload(b, species_indices(model.config.species, batch.numbers, "test"), fw.species);
            energy_step_gradients(b, copy.weights(), on_b.view(), fw, work, grads, copy.grads_of(grads), loss, energies,
                                  dL_dE);
        }
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

template <class B>
void check_training_epochs(const B& b) {
    {
        const SchNet<double> model(backend_check_config(false), 3);
        check_training_epoch<B, SchNet<double>, SchNetCopy<double, B>>(b, model,
                                                                      training_check_batches(model.config.cutoff));
    }
    {
        SoapNet<double> model(small_soapnet_config(), 4);
        const std::vector<GraphBatch> batches = training_check_batches(model.config.cutoff);
        model.fit_inputs(Host{}, index_t(batches.size()), [&](index_t k) { return batches[std::size_t(k)]; });
        check_training_epoch<B, SoapNet<double>, SoapNetCopy<double, B>>(b, model, batches);
    }
}

}  // namespace eipnn::test
