// The output side every model shares (SchNet, SOAPNet): K parallel atom-wise energy heads on the
// backbone's per-atom features (n_atoms, F), the optional classifier head of METHOD.md's strategy
// 1, and the gather from per-edge position gradients to forces and virials. The layers are in
// readout.hpp; this file names their parameters in a model's flat buffer ("head<k>.*",
// "classifier.*") and loops over the heads, so a model only supplies its features.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/readout.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/nn/parameter_names.hpp"

namespace eipnn {

struct OutputHeadsShape {
    index_t features = 0;           // F, the backbone's width
    index_t head_hidden = 0;
    index_t n_heads = 1;            // K
    index_t n_classes = 0;          // K+1 logits, 0 = no classifier
    index_t classifier_hidden = 0;
};

inline void add_output_head_parameters(ParameterLayout& layout, const OutputHeadsShape& s) {
    for (index_t k = 0; k < s.n_heads; ++k) {
        const std::string p = energy_head_prefix(k);
        layout.add(p + "W1", s.features, s.head_hidden);
        layout.add(p + "b1", 1, s.head_hidden);
        layout.add(p + "W2", s.head_hidden, 1);
        layout.add(p + "b2", 1, 1);
    }
    if (s.n_classes > 0) {
        layout.add("classifier.bn.gamma", 1, s.features);
        layout.add("classifier.bn.beta", 1, s.features);
        layout.add("classifier.W1", s.features, s.classifier_hidden);
        layout.add("classifier.b1", 1, s.classifier_hidden);
        layout.add("classifier.W2", s.classifier_hidden, s.n_classes);
        layout.add("classifier.b2", 1, s.n_classes);
    }
}

template <class T>
MlpParams<T> energy_head_params(const ParameterBuffer<T>& p, index_t k) {
    const std::string h = energy_head_prefix(k);
    return {p.view(h + "W1"), p.view(h + "b1"), p.view(h + "W2"), p.view(h + "b2")};
}

template <class T>
MlpParams<T> energy_head_params(ParameterViews<const T> p, index_t k) {
    const std::string h = energy_head_prefix(k);
    return {p.view(h + "W1"), p.view(h + "b1"), p.view(h + "W2"), p.view(h + "b2")};
}

// Head k's gradients (views with data == nullptr when `g` has none).
template <class T>
MlpGrads<T> energy_head_grads(ParameterViews<T> g, index_t k) {
    const std::string h = energy_head_prefix(k);
    return {g.view(h + "W1"), g.view(h + "b1"), g.view(h + "W2"), g.view(h + "b2")};
}

template <class T>
MlpParams<T> classifier_params(const ParameterBuffer<T>& p) {
    return {p.view("classifier.W1"), p.view("classifier.b1"), p.view("classifier.W2"), p.view("classifier.b2")};
}

// energies (n_graphs, K), resized: head k's scale * sum_i E_i + sum_i ref[k][s_i]. head_ref is
// (K, S); params, species, head_ref and features in backend b's memory. Written once for every
// backend.
template <class B, class T>
void energy_heads_fwd(const B& b, const GraphBatchView& batch, ParameterViews<const T> params,
                      Span<const index_t> species, const std::vector<double>& head_scale, Span<const double> head_ref,
                      MatrixView<const T> features, std::vector<AtomwiseHeadSaved<T, B>>& saved,
                      Buffer<B, double>& energies) {
    const PhaseScope phase("embedding and heads (elementwise)");  // (their GEMMs: atom-layer GEMMs)
    const index_t G = batch.n_graphs(), K = index_t(head_scale.size());
    const index_t S = K > 0 ? head_ref.size / K : 0;
    saved.resize(std::size_t(K));
    energies.resize(std::size_t(G) * K);  // every entry written below
    for (index_t k = 0; k < K; ++k)
        atomwise_head_fwd(b, batch, species, energy_head_params(params, k), head_scale[std::size_t(k)],
                          Span<const double>{head_ref.data + k * S, S}, features, saved[std::size_t(k)],
                          Span<double>{energies.data() + k, G * K - k}, K);
}

// dL_dfeatures (n_atoms, F) += heads first_head.. K-1's share of dL/dE (n_graphs, K): dL_dE in
// host memory, `seed` the same in b's memory. A head whose dL/dE is all zero is skipped unless its
// parameter gradients are wanted (grads has data).
template <class B, class T>
void energy_heads_bwd_from(const B& b, const GraphBatchView& batch, ParameterViews<const T> params,
                           const std::vector<double>& head_scale, MatrixView<const T> features,
                           const std::vector<AtomwiseHeadSaved<T, B>>& saved, Span<const double> dL_dE,
                           Span<const double> seed, ParameterViews<T> grads, MatrixView<T> dL_dfeatures,
                           Buffer<B, T>& scratch, index_t first_head) {
    const index_t G = batch.n_graphs(), K = index_t(head_scale.size());
    for (index_t k = first_head; k < K; ++k) {
        bool any = false;
        for (index_t g = 0; g < G; ++g) any = any || dL_dE[g * K + k] != 0.0;
        if (!any && !grads) continue;
        atomwise_head_bwd(b, batch, energy_head_params(params, k), head_scale[std::size_t(k)], features,
                          saved[std::size_t(k)], seed, dL_dfeatures, energy_head_grads(grads, k), scratch, K, k);
    }
}

// dL_dfeatures (n_atoms, F) += the heads' share of dL/dE (n_graphs, K; host memory); head
// gradients accumulated into grads (if it has data). `staging` holds dL/dE in b's memory (unused
// on the host).
template <class B, class T>
void energy_heads_bwd(const B& b, const GraphBatchView& batch, ParameterViews<const T> params,
                      const std::vector<double>& head_scale, MatrixView<const T> features,
                      const std::vector<AtomwiseHeadSaved<T, B>>& saved, Span<const double> dL_dE, ParameterViews<T> grads,
                      MatrixView<T> dL_dfeatures, Buffer<B, T>& scratch, Buffer<B, double>& staging) {
    const PhaseScope phase("embedding and heads (elementwise)");
    energy_heads_bwd_from(b, batch, params, head_scale, features, saved, dL_dE, stage(b, dL_dE, staging), grads,
                          dL_dfeatures, scratch, 0);
}

// ---- second order (force training; nn/second_order.hpp) ---------------------------------------
// Forces are head 0's, so only head 0 has a tangent: its a_dot, h_dot from the features' tangent.
template <class B, class T>
void energy_head0_tangent_fwd(const B& b, ParameterViews<const T> params, MatrixView<const T> features_dot,
                              const std::vector<AtomwiseHeadSaved<T, B>>& saved, AtomwiseHeadTangent<T, B>& tan) {
    const PhaseScope phase("embedding and heads (elementwise)");
    atomwise_head_tangent_fwd(b, energy_head_params(params, 0), features_dot, saved.at(0), tan);
}

// The heads' second backward: head 0 through forward and tangent (force seed 1 per graph), the
// other heads as energy_heads_bwd. dL/dE (n_graphs, K) in host memory; dL_dfeatures (n_atoms, F)
// +=; head gradients accumulated into grads (if it has data). `staging` holds the seeds in b's
// memory (unused on the host).
template <class B, class T>
void energy_heads_bwd_second(const B& b, const GraphBatchView& batch, ParameterViews<const T> params,
                             const std::vector<double>& head_scale, MatrixView<const T> features,
                             MatrixView<const T> features_dot, const std::vector<AtomwiseHeadSaved<T, B>>& saved,
                             const AtomwiseHeadTangent<T, B>& tan0, Span<const double> dL_dE, ParameterViews<T> grads,
                             MatrixView<T> dL_dfeatures, Buffer<B, T>& scratch, Buffer<B, double>& staging) {
    const PhaseScope phase("embedding and heads (elementwise)");
    const index_t G = batch.n_graphs(), K = index_t(head_scale.size());
    // dL/dE (G, K), then the force pass's seed: 1 per graph
    std::vector<double> seeds(dL_dE.data, dL_dE.data + dL_dE.size);
    seeds.resize(std::size_t(G) * std::size_t(K + 1), 1.0);
    const Span<const double> staged = stage(b, span_of(std::as_const(seeds)), staging);
    const Span<const double> dE{staged.data, G * K}, ones{staged.data + G * K, G};
    atomwise_head_bwd_second(b, batch, energy_head_params(params, 0), head_scale.at(0), features, features_dot,
                             saved.at(0), tan0, dE, ones, dL_dfeatures, energy_head_grads(grads, 0), scratch, K, 0);
    energy_heads_bwd_from(b, batch, params, head_scale, features, saved, dL_dE, dE, grads, dL_dfeatures, scratch, 1);
}

// Classifier logits from the features; updates the running statistics in training.
template <class T>
void classifier_head_fwd(const Host& host, const GraphBatch& batch, const ParameterBuffer<T>& params,
                         BatchNormState<T>& bn, bool training, MatrixView<const T> features, ClassifierSaved<T>& sv) {
    classifier_fwd(host, batch, params.view("classifier.bn.gamma"), params.view("classifier.bn.beta"),
                   classifier_params(params), bn, training, features, sv);
}

// dL/dfeatures (n_atoms, F) from dL/dlogits (n_graphs, C); classifier gradients accumulated into
// grads (if given).
template <class T>
std::vector<T> classifier_head_bwd(const Host& host, const GraphBatch& batch, const ParameterBuffer<T>& params,
                                   const ClassifierSaved<T>& sv, const std::vector<T>& dL_dlogits, index_t n_classes,
                                   index_t n_features, ParameterBuffer<T>* grads) {
    std::vector<T> dx(std::size_t(batch.n_atoms()) * n_features, T(0));
    MlpGrads<T> g{};
    MatrixView<T> dgamma{}, dbeta{};
    if (grads) {
        g = {grads->view("classifier.W1"), grads->view("classifier.b1"), grads->view("classifier.W2"),
             grads->view("classifier.b2")};
        dgamma = grads->view("classifier.bn.gamma");
        dbeta = grads->view("classifier.bn.beta");
    }
    classifier_bwd(host, batch, params.view("classifier.bn.gamma"), classifier_params(params), sv,
                   matrix_of(dL_dlogits, n_classes), matrix_of(dx, n_features), dgamma, dbeta, g);
    return dx;
}

// What an energy-and-forces evaluation leaves in backend B's memory (every model's).
template <class T, class B = Host>
struct ForceBuffers {
    Buffer<B, T> dE_dvec;          // (n_edges, 3)
    Buffer<B, T> forces;           // (n_atoms, 3) eV/Å
    Buffer<B, T> per_atom_virial;  // (n_atoms, 9) scratch
    Buffer<B, T> virial;           // (n_graphs, 9) eV
};

// dE/d(r_j - r_i) per edge (n_edges, 3) -> forces (n_atoms, 3) and virial (n_graphs, 9), resized;
// per_atom_virial (n_atoms, 9) is scratch. Any backend, every view in its memory.
template <class B, class T>
void edge_gradients_to_forces(const B& b, const GraphBatchView& batch, MatrixView<const T> dE_dvec,
                              Buffer<B, T>& forces, Buffer<B, T>& per_atom_virial, Buffer<B, T>& virial) {
    const PhaseScope phase("pair geometry and edge gradients", 0, true);
    const index_t n = batch.n_atoms(), G = batch.n_graphs();
    forces.resize(3 * std::size_t(n));
    per_atom_virial.resize(9 * std::size_t(n));
    virial.resize(9 * std::size_t(G));
    for_each(b, n, EdgeForceGather<T>{batch.offsets, batch.reverse, dE_dvec, matrix_of(forces, 3)});
    for_each(b, n,
             EdgeVirialGather<T>{batch.offsets, matrix_of(batch.vectors, 3), dE_dvec, matrix_of(per_atom_virial, 9)});
    for_each(b, G, GraphRowSum<T>{batch.atom_offsets, matrix_of(std::as_const(per_atom_virial), 9), matrix_of(virial, 9)});
}

template <class T>
void forces_from_edge_gradients(const Host& host, const GraphBatch& batch, const std::vector<T>& dE_dvec,
                                EnergyForces<T>& out) {
    std::vector<T> per_atom;
    edge_gradients_to_forces(host, batch, matrix_of(dE_dvec, 3), out.forces, per_atom, out.virial);
}

}  // namespace eipnn
