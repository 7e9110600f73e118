// Where ModelTrainer's plain path (train/energy_trainer.hpp) computes a batch's gradients and a
// set's predictions: on the host model by default; with a GradientBackend, on a copy of the model
// in another backend's memory (a GPU: the tool's `train --device cuda`, cli/device_cuda.cu).
// The host model stays the reference: the optimizer, the schedule, checkpoints and resumption run
// on it exactly as without a backend, and the copy's weights are reloaded after every update
// (load_weights; one parameter-sized upload per step, and one gradient-sized download). So a run
// on another backend differs from the host's by the rounding of the passes only, and its
// checkpoints are the same files.
//
// BackendGradients<Model, B> implements the interface for any backend B through the steps of
// train/batch_step.hpp; the host tests run it on GenericHost (the device's code path on the CPU).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/nn/model.hpp"
#include "eipnn/train/batch_step.hpp"
#include "eipnn/train/force_loss.hpp"

namespace eipnn {

template <class Model>
class GradientBackend {
public:
    using T = typename Model::Scalar;
    // a loss on the predicted energies (n_graphs, n_heads): returns its value, writes dL/dE
    using EnergyLoss = std::function<double(const std::vector<double>& predicted, std::vector<double>& dL_dE)>;

    virtual ~GradientBackend() = default;
    // The model's current state copied there (weights; normalisation and fixed inputs when they
    // changed). Every call below uses the state of the last load.
    virtual void load_weights(const Model& model) = 0;
    // grads = the gradient of loss(energies) on the batch; returns the loss (not finite: grads
    // undefined, the caller stops).
    virtual double energy_gradients(const GraphBatch& batch, const EnergyLoss& loss, ParameterBuffer<T>& grads) = 0;
    // grads = the gradient of the energy+force+stress loss (train/force_loss.hpp) plus `extra` (if
    // set) on the batch; returns the loss's terms.
    virtual LossTerms force_gradients(const GraphBatch& batch, const BatchLabels& labels, const LossWeights& w,
                                      const EnergyLoss& extra, ParameterBuffer<T>& grads) = 0;
    // energies (n_graphs, n_heads), and head 0's energies, forces and virials into *forces if given
    virtual void evaluate(const GraphBatch& batch, std::vector<double>& energies, EnergyForces<T>* forces) = 0;
};

template <class Model, class B>
class BackendGradients : public GradientBackend<Model> {
    using T = typename Model::Scalar;
    using On = typename Model::template On<B>;
    using EnergyLoss = typename GradientBackend<Model>::EnergyLoss;

public:
    explicit BackendGradients(const B& b) : b_(b) {}

    void load_weights(const Model& model) override {
        // everything but the weights: a change (another model, even at the same address) makes a
        // new copy, else only the weights are uploaded
        std::vector<double> fixed(model.config.species.begin(), model.config.species.end());
        typename Model::ConfigType config = model.config;
        visit_config_fields(config, [&](const char*, const auto& v) { fixed.push_back(config_value_to_double(v)); });
        fixed.push_back(double(model.params.data.size()));
        fixed.insert(fixed.end(), model.head_scale.begin(), model.head_scale.end());
        fixed.insert(fixed.end(), model.head_ref.begin(), model.head_ref.end());
        model.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { fixed.insert(fixed.end(), v.begin(), v.end()); });
        if (!copy_ || model_ != &model || fixed != fixed_) {
            copy_ = std::make_unique<typename On::Copy>(b_, model);
            grads_.resize(model.params.data.size());
            model_ = &model;
            fixed_ = std::move(fixed);
        } else {
            upload(b_, model.params.data, copy_->params);
        }
    }

    double energy_gradients(const GraphBatch& batch, const EnergyLoss& loss, ParameterBuffer<T>& grads) override {
        const GraphBatchCopy<B> on_b = prepare(batch, "GradientBackend::energy_gradients");
        const double value = energy_step_gradients(b_, copy_->weights(), on_b.view(), fw_, work_, grads_,
                                                   copy_->grads_of(grads_), loss, energies_, dL_dE_);
        download(b_, span_of(std::as_const(grads_)), grads.data);
        return value;
    }

    LossTerms force_gradients(const GraphBatch& batch, const BatchLabels& labels, const LossWeights& w,
                              const EnergyLoss& extra, ParameterBuffer<T>& grads) override {
        const GraphBatchCopy<B> on_b = prepare(batch, "GradientBackend::force_gradients");
        zero(b_, span_of(grads_));
        const LossTerms terms = energy_force_step_gradients(b_, copy_->weights(), batch, on_b.view(), fw_, adj_, work_,
                                                            labels, w, copy_->grads_of(grads_), steps_, extra);
        download(b_, span_of(std::as_const(grads_)), grads.data);
        return terms;
    }

    void evaluate(const GraphBatch& batch, std::vector<double>& energies, EnergyForces<T>* forces) override {
        const GraphBatchCopy<B> on_b = prepare(batch, "GradientBackend::evaluate");
        if (forces) {
            energy_forces_pass(b_, copy_->weights(), on_b.view(), fw_, work_, out_);
            download(b_, span_of(std::as_const(out_.forces)), forces->forces);
            download(b_, span_of(std::as_const(out_.virial)), forces->virial);
        } else {
            forward_pass(b_, copy_->weights(), on_b.view(), fw_);
        }
        download(b_, span_of(std::as_const(fw_.energies)), energies);
        if (forces) {
            const std::size_t K = std::size_t(model_->config.n_heads);
            forces->energies.resize(energies.size() / K);
            for (std::size_t g = 0; g < forces->energies.size(); ++g) forces->energies[g] = energies[g * K];
        }
    }

private:
    // The batch checked against the model (as its host forward does), species set, the batch
    // copied to b.
    GraphBatchCopy<B> prepare(const GraphBatch& batch, const char* where) {
        if (!copy_) throw Error("no weights loaded", where, "call load_weights(model) first");
        model_->prepare_forward(batch, host_fw_);
        upload(b_, host_fw_.species, fw_.species);
        return GraphBatchCopy<B>(b_, batch);
    }

    B b_;
    const Model* model_ = nullptr;
    std::vector<double> fixed_;  // species, configuration, size, head scales and references, fixed inputs
    std::unique_ptr<typename On::Copy> copy_;
    Buffer<B, T> grads_;
    typename Model::Forward host_fw_;  // only its species (the host's checks)
    typename On::Forward fw_;
    typename On::BackwardWork work_;
    typename On::ForceAdjoints adj_;
    ForceStepBuffers<T, B> steps_;
    ForceBuffers<T, B> out_;
    std::vector<double> energies_, dL_dE_;
};

}  // namespace eipnn
