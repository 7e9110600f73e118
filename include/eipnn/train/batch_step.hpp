// One optimisation step on energies, written once for every backend (core/backend.hpp): the
// model's forward and parameter backward (forward_pass / parameter_backward, which each model
// defines for its weights: nn/schnet.hpp, nn/soapnet.hpp), the loss's gradient in between on the
// host (a batch's energies are a few numbers), then clipping and Adam on the parameters where they
// live. EnergyTrainer's step on energies is this on the Host backend; a model copied to a device
// (SchNetCopy, SoapNetCopy) trains there through the same calls.
#pragma once
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"

namespace eipnn {

// grads (laid out like the parameters, in b's memory) = the gradient of loss(energies) on the
// batch; returns the loss. `loss(energies, dL_dE)` gets the predicted energies (n_graphs, n_heads)
// on the host and fills dL_dE; a non-finite loss is returned at once, without a backward, so the
// caller can stop with the weights it had.
template <class B, class Weights, class Forward, class Work, class T, class Loss>
double energy_step_gradients(const B& b, const Weights& w, const GraphBatchView& batch, Forward& fw, Work& work,
                             Buffer<B, T>& grads, ParameterViews<T> grad_views, const Loss& loss,
                             std::vector<double>& energies, std::vector<double>& dL_dE) {
    zero(b, span_of(grads));
    forward_pass(b, w, batch, fw);
    const std::vector<double>* predicted = &energies;
    if constexpr (std::is_same_v<Buffer<B, double>, std::vector<double>>)
        predicted = &fw.energies;  // already host memory: no copy
    else
        download(b, span_of(std::as_const(fw.energies)), energies);
    const double value = loss(*predicted, dL_dE);
    if (!std::isfinite(value)) return value;
    parameter_backward(b, w, batch, fw, span_of(std::as_const(dL_dE)), grad_views, work);
    return value;
}

// Clipping (max_norm > 0) and one Adam step at rate lr, both where the parameters live.
template <class B, class T>
void apply_update(const B& b, Span<T> params, Span<T> grads, double max_norm, Adam<T, B>& adam, double lr) {
    if (max_norm > 0) clip_grad_norm(b, grads, max_norm);
    adam.step(b, params, Span<const T>(grads), lr);
}

}  // namespace eipnn
