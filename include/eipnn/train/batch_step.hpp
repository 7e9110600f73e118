// One optimisation step, written once for every backend (core/backend.hpp): the model's passes
// under the names each model defines for its weights (nn/schnet.hpp, nn/soapnet.hpp):
//   on energies:            forward_pass, then parameter_backward;
//   on energies and forces: forward_pass, force_pass (forces and virials), then second_backward
//                           (nn/second_order.hpp);
// with the loss's gradient in between on the host (a batch's energies, forces and virials are a
// few thousand numbers), then clipping and Adam on the parameters where they live. ModelTrainer's
// steps (train/energy_trainer.hpp) are these: on the host model (EnergyForceStep,
// train/force_training.hpp, for forces), or on a copy of it in another backend's memory
// (SchNetCopy, SoapNetCopy) through a GradientBackend (train/gradient_backend.hpp).
#pragma once
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/second_order.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"
#include "eipnn/train/force_loss.hpp"

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

// What a step on forces keeps between batches: in b's memory the force pass's output and the
// loss's gradients; on the host the predictions and the loss's gradients.
template <class T, class B>
struct ForceStepBuffers {
    ForceBuffers<T, B> out;         // dE/dvec, forces, virials
    Buffer<B, T> dL_dF, dL_dW, u;   // staged gradients, the cotangent (n_edges, 3)
    std::vector<double> energies;   // (n_graphs, n_heads) predicted
    EnergyForces<T> pred;           // head 0's energies, forces, virials
    std::vector<double> dL_dE, dL_dE_extra;
    std::vector<T> dL_dF_host, dL_dW_host;
};

// grads (laid out like the parameters, in b's memory) += the gradient of the energy+force+stress
// loss (train/force_loss.hpp) on the batch, plus `extra(energies, dL_dE)` when given (an energy
// term of the caller's on the predicted (n_graphs, n_heads) energies, e.g. strategy 1's weak
// labels: its value goes to LossTerms::energy). Returns the loss's terms; a non-finite loss is
// returned at once, without the second backward. `batch` is host_batch in b's memory (the same
// on the host); fw.species set by the caller.
template <class B, class Weights, class Forward, class Adjoints, class Work, class T, class Extra>
LossTerms energy_force_step_gradients(const B& b, const Weights& w, const GraphBatch& host_batch,
                                      const GraphBatchView& batch, Forward& fw, Adjoints& adj, Work& work,
                                      const BatchLabels& labels, const LossWeights& weights, ParameterViews<T> grads,
                                      ForceStepBuffers<T, B>& s, const Extra& extra) {
    forward_pass(b, w, batch, fw);
    force_pass(b, w, batch, fw, adj, work, s.out.dE_dvec);
    edge_gradients_to_forces(b, batch, matrix_of(std::as_const(s.out.dE_dvec), 3), s.out.forces,
                             s.out.per_atom_virial, s.out.virial);
    const index_t G = batch.n_graphs(), K = w.config.n_heads;
    download(b, span_of(std::as_const(fw.energies)), s.energies);
    download(b, span_of(std::as_const(s.out.forces)), s.pred.forces);
    download(b, span_of(std::as_const(s.out.virial)), s.pred.virial);
    s.pred.energies.resize(std::size_t(G));
    for (index_t g = 0; g < G; ++g) s.pred.energies[std::size_t(g)] = s.energies[std::size_t(g * K)];
    LossTerms terms = energy_force_loss(host_batch, s.pred, labels, weights, K, s.dL_dE, s.dL_dF_host, s.dL_dW_host);
    if constexpr (!std::is_same_v<Extra, std::nullptr_t>) {
        if (extra) {
            terms.energy += extra(s.energies, s.dL_dE_extra);
            for (std::size_t k = 0; k < s.dL_dE.size(); ++k) s.dL_dE[k] += s.dL_dE_extra[k];
        }
    }
    if (!std::isfinite(terms.total())) return terms;
    const MatrixView<const T> none{};
    const MatrixView<const T> dL_dF =
        s.dL_dF_host.empty() ? none : matrix_of(stage(b, span_of(std::as_const(s.dL_dF_host)), s.dL_dF), 3);
    const MatrixView<const T> dL_dW =
        s.dL_dW_host.empty() ? none : matrix_of(stage(b, span_of(std::as_const(s.dL_dW_host)), s.dL_dW), 9);
    s.u.resize(3 * std::size_t(batch.n_edges()));
    for_each(b, batch.n_edges(),
             EdgeGradientCotangent<T>{batch.centers, batch.neighbors, batch.graph_of_atom, matrix_of(batch.vectors, 3),
                                      dL_dF, dL_dW, matrix_of(s.u, 3)});
    second_backward(b, w, batch, fw, adj, span_of(std::as_const(s.dL_dE)), matrix_of(std::as_const(s.u), 3), grads);
    return terms;
}

}  // namespace eipnn
