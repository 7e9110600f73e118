// SchNet (Schütt et al. 2018) as in schnetpack and the paper's reference code:
//   x^0_i   = E[Z_i]                                       (embedding.hpp)
//   x^{t+1} = interaction_t(x^t)  or  x^t + interaction_t(x^t)   (interaction.hpp; residual off
//             by default, as in the paper's code)
//   E_g     = scale * sum_i [ssp(x^T_i W1 + b1) W2 + b2] + sum_i ref[Z_i]   per head (readout.hpp)
// plus an optional classifier head (sum of x^T per graph -> BatchNorm -> MLP -> K+1 logits).
// Defaults are the paper's: cutoff 5 Å, 128 features, 128 Gaussians, 5 interactions, head
// 128 -> 128 -> 1. All parameters live in one flat buffer (parameters.hpp); names below.
//
// The model interface (heads, classifier, forces, transfer, copies, casts) is nn/model.hpp's;
// this file adds the backbone. forward() saves what backward() needs in SchNetForward;
// backward_pairs() turns dL/dE per graph (and head) into parameter gradients and/or dE/dr per pair,
// backward() into dE/d(r_j - r_i) per edge as every model does.
//
// Compressed filters (inference only; nn/filter_table.hpp): compress_filters() tabulates every
// block's filter network over r from the current weights; while the model holds the tables,
// forward() reads them instead of the filter networks and backward() gives exact forces of that
// tabulated model, but refuses parameter gradients and the second-order passes, so training can
// never run through a table. Copies share the (immutable) tables; cast<U>() drops them. Changing
// the weights afterwards leaves the tables stale: compress after the weights are final.
#pragma once
#include <array>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/math/cutoff.hpp"
#include "eipnn/math/gaussian_basis.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/nn/filter_table.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/interaction.hpp"
#include "eipnn/nn/model.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/radial_basis.hpp"
#include "eipnn/nn/readout.hpp"
#include "eipnn/nn/readout_functors.hpp"
#include "eipnn/nn/schnet_config.hpp"

namespace eipnn {

// What the backward reads, in backend B's memory (the host's: std::vectors).
template <class T, class B = Host>
struct SchNetForward {
    Buffer<B, index_t> species;                  // (n_atoms)
    PairGeometry<T, B> geom;                     // per pair r, fc, fc'
    std::vector<Buffer<B, T>> x;                 // n_interactions + 1 of (n_atoms, F)
    std::vector<InteractionSaved<T, B>> blocks;  // n_interactions
    std::vector<AtomwiseHeadSaved<T, B>> heads;  // n_heads
    Buffer<B, double> energies;                  // (n_graphs, n_heads)
};

// What SchNet's passes read of a model, wherever its parameters live: the host model's own
// (SchNet::weights) or a device copy (kernels/eipnn/cuda/nn_schnet.cuh). params and head_ref
// (n_heads, n_species) in the backend's memory; compressed filters on the host only.
template <class T>
struct SchNetWeights {
    const SchNetConfig& config;
    const GaussianBasis& basis;
    const std::vector<double>& head_scale;  // (n_heads), host
    ParameterViews<const T> params;
    Span<const double> head_ref;
    const CompressedFilters<T>* compressed = nullptr;

    InteractionParams<T> block(index_t t) const {
        const std::string p = schnet_block_prefix(t);
        return {{params.view(p + "filter1.W"), params.view(p + "filter1.b"), params.view(p + "filter2.W"),
                 params.view(p + "filter2.b")},
                params.view(p + "in.W"), params.view(p + "out1.W"), params.view(p + "out1.b"), params.view(p + "out2.W"),
                params.view(p + "out2.b")};
    }
};

template <class T>
InteractionGrads<T> schnet_block_grads(ParameterViews<T> g, index_t t) {
    const std::string p = schnet_block_prefix(t);
    return {{g.view(p + "filter1.W"), g.view(p + "filter1.b"), g.view(p + "filter2.W"), g.view(p + "filter2.b")},
            g.view(p + "in.W"), g.view(p + "out1.W"), g.view(p + "out1.b"), g.view(p + "out2.W"), g.view(p + "out2.b")};
}

// Reused buffers of the backward pass, in backend B's memory.
template <class T, class B = Host>
struct SchNetBackwardWork {
    Buffer<B, T> d_next, d_prev, scratch;  // (n_atoms, F) and the layers' scratch
    Buffer<B, double> staging;             // dL/dE where the backend reads it
    Buffer<B, T> dE_dr;                    // (n_pairs) energy_forces_pass's dE/dr
};

// ---- the passes, written once for every backend (core/backend.hpp) --------------------------
// Forward: energies of every head (fw.energies). fw.species (n_atoms) must be set by the caller
// (species_indices), in b's memory; the batch's cutoff must be the model's.
// for_forces: energies and forces follow, and the host's filters keep their derivative from the
// forward (interaction_fwd), which a backward without parameter gradients reads; everything the
// plain forward keeps is kept too, so any other pass can follow as well.
template <class B, class T>
void schnet_forward(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, SchNetForward<T, B>& fw,
                    bool for_forces = false) {
    const SchNetConfig& config = w.config;
    const index_t n = batch.n_atoms(), F = config.n_features, P = batch.n_pairs();
    if constexpr (!std::is_same_v<B, Host>)
        if (w.compressed)
            throw Error("compressed filters run on the Host backend only", "schnet_forward",
                        "drop the compressed filters, or evaluate on the host");
    if (index_t(fw.species.size()) != n)
        throw Error(str("fw.species holds ", fw.species.size(), " entries for ", n, " atoms"), "schnet_forward",
                    "set it with species_indices(config.species, batch numbers) in the backend's memory first");
    if (std::abs(batch.cutoff - config.cutoff) > 1e-12 * config.cutoff && batch.n_edges() > 0)
        throw Error(str("the batch's lists use cutoff ", batch.cutoff, " Å, the model ", config.cutoff, " Å"),
                    "schnet_forward", "build the neighbour lists with the model's cutoff");
    fw.geom.r.resize(std::size_t(P));
    fw.geom.fc.resize(std::size_t(P));
    fw.geom.dfc_dr.resize(std::size_t(P));
    {
        const PhaseScope phase("pair geometry and edge gradients", 0, true);
        for_each(b, P,
                 PairGeometryFwd<T>{config.cutoff, batch.pair_edge, batch.distances, span_of(fw.geom.r),
                                    span_of(fw.geom.fc), span_of(fw.geom.dfc_dr)});
    }
    if (w.compressed) {
        fw.geom.window = {};  // every block reads its filter table
    } else {
        const PhaseScope phase("Gaussian windows");
        fw.geom.window.compute(b, w.basis, span_of(std::as_const(fw.geom.r)));
    }
    fw.x.resize(std::size_t(config.n_interactions) + 1);
    for (auto& v : fw.x) v.resize(std::size_t(n) * F);
    embedding_fwd(b, span_of(std::as_const(fw.species)), w.params.view("embedding"), matrix_of(fw.x[0], F));
    fw.blocks.resize(std::size_t(config.n_interactions));
    for (index_t t = 0; t < config.n_interactions; ++t)
        interaction_fwd(b, batch, fw.geom, w.block(t), config.residual, matrix_of(std::as_const(fw.x[std::size_t(t)]), F),
                        fw.blocks[std::size_t(t)], matrix_of(fw.x[std::size_t(t) + 1], F),
                        w.compressed ? &w.compressed->blocks[std::size_t(t)] : nullptr, for_forces);
    energy_heads_fwd(b, batch, w.params, span_of(std::as_const(fw.species)), w.head_scale, w.head_ref,
                     matrix_of(std::as_const(fw.x.back()), F), fw.heads, fw.energies);
}

// Backward from dL/dE (n_graphs, n_heads; host memory), plus optionally dL/dx^T (n_atoms, F; b's
// memory, data null = none) from another head: parameter gradients accumulated into `grads` (if
// it has data), dL/dr per pair (n_pairs) resized and written into *dL_dr (if given), and the
// adjoints the second backward reads kept in *keep (if given).
template <class B, class T>
void schnet_backward_pairs(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch,
                           const SchNetForward<T, B>& fw, Span<const double> dL_dE, ParameterViews<T> grads,
                           Buffer<B, T>* dL_dr, Span<const T> dL_dx_extra, SchNetBackwardWork<T, B>& work,
                           std::vector<InteractionAdjoints<T, B>>* keep = nullptr) {
    const SchNetConfig& config = w.config;
    const index_t n = batch.n_atoms(), F = config.n_features, G = batch.n_graphs(), K = config.n_heads;
    if (dL_dE.size != G * K)
        throw Error(str("dL_dE has ", dL_dE.size, " values, need n_graphs * n_heads = ", G * K), "SchNet::backward");
    Buffer<B, T>&d_next = work.d_next, &d_prev = work.d_prev;
    d_next.resize(std::size_t(n) * F);
    d_prev.resize(std::size_t(n) * F);
    if (dL_dx_extra.data) {
        if (dL_dx_extra.size != n * F)
            throw Error(str("dL_dx_extra has ", dL_dx_extra.size, " values, need n_atoms * features = ", n * F),
                        "SchNet::backward");
        copy(b, dL_dx_extra, span_of(d_next));
    } else {
        zero(b, span_of(d_next));
    }
    energy_heads_bwd(b, batch, w.params, w.head_scale, matrix_of(std::as_const(fw.x.back()), F), fw.heads, dL_dE, grads,
                     matrix_of(d_next, F), work.scratch, work.staging);
    Span<T> dr{};
    if (dL_dr) {
        dL_dr->resize(std::size_t(batch.n_pairs()));
        zero(b, span_of(*dL_dr));
        dr = span_of(*dL_dr);
    }
    if (keep) keep->resize(std::size_t(config.n_interactions));
    for (index_t t = config.n_interactions - 1; t >= 0; --t) {
        interaction_bwd(b, batch, fw.geom, w.block(t), config.residual, matrix_of(fw.x[std::size_t(t)], F),
                        fw.blocks[std::size_t(t)], matrix_of(std::as_const(d_next), F), matrix_of(d_prev, F),
                        grads ? schnet_block_grads(grads, t) : InteractionGrads<T>{}, dr, work.scratch,
                        keep ? &(*keep)[std::size_t(t)] : nullptr);
        std::swap(d_next, d_prev);
    }
    if (grads)
        embedding_bwd(b, span_of(fw.species), matrix_of(std::as_const(d_next), F), grads.view("embedding"));
}

// dL/dr per pair -> dL/d(r_j - r_i) per edge (n_edges, 3), resized; only the pair's first edge
// carries it, the reverse edge's row is zero.
template <class B, class T>
void pair_to_edge_gradients(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                            Span<const T> dL_dr, Buffer<B, T>& dL_dvec) {
    const PhaseScope phase("pair geometry and edge gradients", 0, true);
    dL_dvec.resize(3 * std::size_t(batch.n_edges()));
    zero(b, span_of(dL_dvec));
    for_each(b, batch.n_pairs(),
             PairToEdgeGradient<T>{batch.pair_edge, matrix_of(batch.vectors, 3), span_of(geom.r), dL_dr,
                                   matrix_of(dL_dvec, 3)});
}

// The force pass's adjoints of every block (nn/second_order.hpp), and the second backward's
// tangents and scratch (kept between steps so their buffers are not reallocated every batch), in
// backend B's memory.
template <class T, class B = Host>
struct SchNetForceAdjoints {
    std::vector<InteractionAdjoints<T, B>> blocks;  // n_interactions
    Buffer<B, T> dE_dr;                             // (n_pairs) the force pass's dE/dr
    Buffer<B, T> r_dot;                             // (n_pairs)
    std::vector<Buffer<B, T>> x_dot;                // n_interactions + 1 of (n_atoms, F); [0] unused (zero)
    std::vector<InteractionTangent<T, B>> tangents; // n_interactions
    AtomwiseHeadTangent<T, B> head;
    Buffer<B, T> d_next, d_prev, scratch;           // (n_atoms, F)
    Buffer<B, double> staging;
};

// ---- second order (force training; nn/second_order.hpp), for every backend ---------------------
// The force pass: dE/d(r_j - r_i) per edge (n_edges, 3) of head 0 (every graph's seed 1),
// keeping the adjoints that second_backward reads.
template <class B, class T>
void force_pass(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, const SchNetForward<T, B>& fw,
                SchNetForceAdjoints<T, B>& adj, SchNetBackwardWork<T, B>& work, Buffer<B, T>& dE_dvec) {
    if (!fw.blocks.empty() && fw.blocks.front().conv.tabulated)
        throw Error("the forward read compressed filters, which have no second derivatives", "SchNet::force_backward",
                    "compressed filters are for inference (energies, forces, virials); train the exact model "
                    "(drop_compressed_filters)");
    const std::vector<double> seed = head0_seed(batch.n_graphs(), w.config.n_heads);
    schnet_backward_pairs(b, w, batch, fw, span_of(seed), ParameterViews<T>{}, &adj.dE_dr, Span<const T>{}, work,
                          &adj.blocks);
    pair_to_edge_gradients(b, batch, fw.geom, span_of(std::as_const(adj.dE_dr)), dE_dvec);
}

// Parameter gradients (accumulated into grads) of sum dL/dE E + sum_e u_e . dE/dvec_e, where
// dL/dE (n_graphs, n_heads) is in host memory and u (n_edges, 3; b's memory) is the loss's
// gradient with respect to force_pass's dE_dvec (read on each pair's own edge, where
// that pass puts the pair's gradient).
template <class B, class T>
void second_backward(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, const SchNetForward<T, B>& fw,
                     SchNetForceAdjoints<T, B>& adj, Span<const double> dL_dE, MatrixView<const T> u,
                     ParameterViews<T> grads) {
    const char* where = "SchNet::backward_second";
    const SchNetConfig& config = w.config;
    const index_t n = batch.n_atoms(), F = config.n_features, P = batch.n_pairs(), NT = config.n_interactions;
    if (dL_dE.size != batch.n_graphs() * config.n_heads || u.rows != batch.n_edges() || u.cols != 3 ||
        index_t(adj.blocks.size()) != NT)
        throw Error("dL_dE, u or the force pass's adjoints do not match this batch and model", where,
                    "run force_backward on the same forward first");
    if (!grads) throw Error("no gradient buffer", where, "pass the buffer to accumulate the parameter gradients into");
    adj.r_dot.resize(std::size_t(P));
    {
        const PhaseScope phase("pair geometry and edge gradients", 0, true);
        for_each(b, P, EdgeToPairTangent<T>{batch.pair_edge, matrix_of(batch.vectors, 3), span_of(fw.geom.r), u,
                                            span_of(adj.r_dot)});
    }
    const Span<const T> rd = span_of(std::as_const(adj.r_dot));
    // tangents: x_dot[0] = 0 (the embedding does not move), one (n_atoms, F) per block output
    adj.x_dot.resize(std::size_t(NT) + 1);
    adj.tangents.resize(std::size_t(NT));
    auto xd = [&](index_t t) {
        return t == 0 ? MatrixView<const T>{} : matrix_of(std::as_const(adj.x_dot[std::size_t(t)]), F);
    };
    for (index_t t = 0; t < NT; ++t) {
        adj.x_dot[std::size_t(t) + 1].resize(std::size_t(n) * F);
        interaction_tangent_fwd(b, batch, fw.geom, w.block(t), config.residual, xd(t), fw.blocks[std::size_t(t)], rd,
                                adj.tangents[std::size_t(t)], matrix_of(adj.x_dot[std::size_t(t) + 1], F));
    }
    energy_head0_tangent_fwd(b, w.params, xd(NT), fw.heads, adj.head);
    Buffer<B, T>&d_next = adj.d_next, &d_prev = adj.d_prev;
    d_next.resize(std::size_t(n) * F);
    d_prev.resize(std::size_t(n) * F);
    zero(b, span_of(d_next));
    energy_heads_bwd_second(b, batch, w.params, w.head_scale, matrix_of(std::as_const(fw.x.back()), F), xd(NT),
                            fw.heads, adj.head, dL_dE, grads, matrix_of(d_next, F), adj.scratch, adj.staging);
    for (index_t t = NT - 1; t >= 0; --t) {
        interaction_bwd_second(b, batch, fw.geom, w.block(t), config.residual, matrix_of(fw.x[std::size_t(t)], F), xd(t),
                               fw.blocks[std::size_t(t)], adj.tangents[std::size_t(t)], adj.blocks[std::size_t(t)], rd,
                               matrix_of(std::as_const(d_next), F), matrix_of(d_prev, F), schnet_block_grads(grads, t),
                               adj.scratch);
        std::swap(d_next, d_prev);
    }
    embedding_bwd(b, span_of(fw.species), matrix_of(std::as_const(d_next), F), grads.view("embedding"));
}

// The passes under the names every model gives them (train/batch_step.hpp trains through these;
// force_pass and second_backward, the second order, are above; energy_forces_pass, for evaluation,
// follows the energies-and-forces function below).
template <class B, class T>
void forward_pass(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, SchNetForward<T, B>& fw) {
    schnet_forward(b, w, batch, fw);
}
template <class B, class T>
void parameter_backward(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch,
                        const SchNetForward<T, B>& fw, Span<const double> dL_dE, ParameterViews<T> grads,
                        SchNetBackwardWork<T, B>& work) {
    schnet_backward_pairs(b, w, batch, fw, dL_dE, grads, static_cast<Buffer<B, T>*>(nullptr), Span<const T>{}, work);
}

// Energies of every head (fw.energies), head 0's forces and virials (out), dE/dr per pair in
// dE_dr: the forward, then the backward seeded with 1 per graph on head 0, then the edge gather.
// Any backend.
template <class B, class T>
void schnet_energy_forces(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, SchNetForward<T, B>& fw,
                          SchNetBackwardWork<T, B>& work, Buffer<B, T>& dE_dr, ForceBuffers<T, B>& out) {
    schnet_forward(b, w, batch, fw, /*for_forces=*/true);
    const std::vector<double> seed = head0_seed(batch.n_graphs(), w.config.n_heads);
    schnet_backward_pairs(b, w, batch, fw, span_of(seed), ParameterViews<T>{}, &dE_dr, Span<const T>{}, work);
    pair_to_edge_gradients(b, batch, fw.geom, span_of(std::as_const(dE_dr)), out.dE_dvec);
    edge_gradients_to_forces(b, batch, matrix_of(std::as_const(out.dE_dvec), 3), out.forces, out.per_atom_virial,
                             out.virial);
}

template <class B, class T>
void energy_forces_pass(const B& b, const SchNetWeights<T>& w, const GraphBatchView& batch, SchNetForward<T, B>& fw,
                        SchNetBackwardWork<T, B>& work, ForceBuffers<T, B>& out) {
    schnet_energy_forces(b, w, batch, fw, work, work.dE_dr, out);
}

template <class T, class B>
class SchNetCopy;

template <class T>
class SchNet : public ModelBase<SchNet<T>, T, SchNetConfig> {
    using Base = ModelBase<SchNet<T>, T, SchNetConfig>;

public:
    using Forward = SchNetForward<T>;
    using BackwardWork = SchNetBackwardWork<T>;
    using ForceAdjoints = SchNetForceAdjoints<T>;
    template <class U>
    using Rebind = SchNet<U>;
    // The passes' state and a copy of the model in backend B's memory (train/batch_step.hpp
    // trains through them on any backend).
    template <class B>
    struct On {
        using Forward = SchNetForward<T, B>;
        using BackwardWork = SchNetBackwardWork<T, B>;
        using ForceAdjoints = SchNetForceAdjoints<T, B>;
        using Copy = SchNetCopy<T, B>;
    };
    static constexpr const char* kind = "schnet";
    using Base::config;
    using Base::params;

    GaussianBasis basis;
    std::shared_ptr<const CompressedFilters<T>> compressed;  // null: the exact filter networks

    explicit SchNet(const SchNetConfig& cfg = {}, unsigned seed = 42) : Base(cfg) {
        const index_t F = config.n_features, S = index_t(config.species.size());
        this->layout.add("embedding", S, F);
        for (index_t t = 0; t < config.n_interactions; ++t) {
            const std::string p = block_prefix(t);
            this->layout.add(p + "filter1.W", config.n_rbf, F);
            this->layout.add(p + "filter1.b", 1, F);
            this->layout.add(p + "filter2.W", F, F);
            this->layout.add(p + "filter2.b", 1, F);
            this->layout.add(p + "in.W", F, F);
            this->layout.add(p + "out1.W", F, F);
            this->layout.add(p + "out1.b", 1, F);
            this->layout.add(p + "out2.W", F, F);
            this->layout.add(p + "out2.b", 1, F);
        }
        basis = GaussianBasis::make_for<T>(config.n_rbf, config.cutoff, config.rbf_width);
        this->finish_layout(F, seed);
    }

    static std::string block_prefix(index_t t) { return schnet_block_prefix(t); }

    // Tabulates every block's filter at grid spacing <= `spacing` Å (0: the default,
    // default_filter_table_spacing) from the current weights; inference then reads the tables.
    void compress_filters(const Host& host, double spacing = 0) {
        if (spacing == 0) spacing = default_filter_table_spacing(basis);
        auto c = std::make_shared<CompressedFilters<T>>();
        for (index_t t = 0; t < config.n_interactions; ++t)
            c->blocks.push_back(build_filter_table(host, block(t).filter, basis, config.cutoff, spacing));
        c->spacing = c->blocks.empty() ? spacing : c->blocks.front().spacing;
        compressed = std::move(c);
    }
    void drop_compressed_filters() { compressed.reset(); }

    // Unit-variance embedding (uniform on ±sqrt 3); everything else by ModelBase's defaults.
    double initial_range(const std::string& name) const { return name == "embedding" ? std::sqrt(3.0) : 0.0; }

    InteractionParams<T> block(index_t t) const { return weights().block(t); }
    static InteractionGrads<T> block_grads(ParameterBuffer<T>& g, index_t t) { return schnet_block_grads(g.views(), t); }

    // The passes' view of this model (host memory).
    SchNetWeights<T> weights() const {
        return {config, basis, this->head_scale, params.views(), span_of(this->head_ref), compressed.get()};
    }

    // What the passes need before a forward: the batch checked against the model, fw.species set.
    void prepare_forward(const GraphBatch& batch, SchNetForward<T>& fw) const {
        this->check_batch_cutoff(batch, "SchNet::forward");
        fw.species = species_indices(config.species, batch.numbers, "SchNet::forward");
    }

    // Backbone and energy heads. energies: (n_graphs, n_heads).
    void forward(const Host& host, const GraphBatch& batch, SchNetForward<T>& fw) const {
        prepare_forward(batch, fw);
        schnet_forward(host, weights(), batch, fw);
    }
    // The forward of energy_forces (model.hpp): schnet_forward's for_forces, whose backward without
    // parameter gradients is one pass over the pairs.
    void forward_for_forces(const Host& host, const GraphBatch& batch, SchNetForward<T>& fw) const {
        prepare_forward(batch, fw);
        schnet_forward(host, weights(), batch, fw, /*for_forces=*/true);
    }

    MatrixView<const T> features(const SchNetForward<T>& fw) const { return matrix_of(fw.x.back(), config.n_features); }

    // The model interface's backward (nn/model.hpp): from dL/dE (n_graphs, n_heads), plus
    // optionally dL/dx^T (n_atoms, F) from another head (the classifier): parameter gradients
    // accumulated into `grads` (if given) and dL/d(r_j - r_i) per edge (n_edges, 3) written into
    // `dL_dvec` (if given).
    void backward(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw, Span<const double> dL_dE,
                  ParameterBuffer<T>* grads, std::vector<T>* dL_dvec,
                  const std::vector<T>* dL_dx_extra = nullptr) const {
        if (!dL_dvec) return backward_pairs(host, batch, fw, dL_dE, grads, nullptr, dL_dx_extra);
        std::vector<T> dL_dr;
        backward_pairs(host, batch, fw, dL_dE, grads, &dL_dr, dL_dx_extra);
        pair_to_edge_gradients(host, batch, fw.geom, dL_dr, *dL_dvec);
    }

    // SchNet's own form of the backward: the energy depends on each pair's distance once, so the
    // position gradient is dL/dr per pair (n_pairs), resized and zeroed here (if given).
    void backward_pairs(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw, Span<const double> dL_dE,
                        ParameterBuffer<T>* grads, std::vector<T>* dL_dr,
                        const std::vector<T>* dL_dx_extra = nullptr) const {
        if (grads && tabulated(fw))
            throw Error("the forward read compressed filters, which have no parameter gradients", "SchNet::backward",
                        "compressed filters are for inference (energies, forces, virials); train the exact model "
                        "(drop_compressed_filters)");
        SchNetBackwardWork<T> work;
        schnet_backward_pairs(host, weights(), batch, fw, dL_dE, grads ? grads->views() : ParameterViews<T>{}, dL_dr,
                              dL_dx_extra ? span_of(*dL_dx_extra) : Span<const T>{}, work);
    }

    // ---- second order (force training; nn/second_order.hpp) -----------------------------------
    // The force pass (the free function force_pass): dE/d(r_j - r_i) per edge (n_edges, 3) of
    // head 0, keeping the adjoints that backward_second reads.
    void force_backward(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw,
                        SchNetForceAdjoints<T>& adj, std::vector<T>& dE_dvec) const {
        SchNetBackwardWork<T> work;
        eipnn::force_pass(host, weights(), batch, fw, adj, work, dE_dvec);
    }

    // Parameter gradients of sum dL/dE E + sum_e u_e . dE/dvec_e (the free function second_backward).
    void backward_second(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw,
                         SchNetForceAdjoints<T>& adj, Span<const double> dL_dE, MatrixView<const T> u,
                         ParameterBuffer<T>& grads) const {
        eipnn::second_backward(host, weights(), batch, fw, adj, dL_dE, u, grads.views());
    }

    static void pair_to_edge_gradients(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom,
                                       const std::vector<T>& dL_dr, std::vector<T>& dL_dvec) {
        eipnn::pair_to_edge_gradients(host, batch, geom, span_of(dL_dr), dL_dvec);
    }

    // Did this forward read compressed filters?
    static bool tabulated(const SchNetForward<T>& fw) { return !fw.blocks.empty() && fw.blocks.front().conv.tabulated; }
};

// A SchNet's parameters copied to backend B's memory (a device), for the passes there:
//   SchNetCopy<float, Cuda> dm(dev, model);
//   SchNetForward<float, Cuda> fw;  upload(dev, species_indices(...), fw.species);
//   schnet_forward(dev, dm.weights(), GraphBatchCopy<Cuda>(dev, batch).view(), fw);
// Gradients laid out like the parameters go to grads_of(buffer). Not movable: the weights point at
// its layout.
template <class T, class B>
class SchNetCopy {
public:
    SchNetCopy(const B& b, const SchNet<T>& model)
        : config(model.config), layout(model.layout), basis(model.basis), head_scale(model.head_scale) {
        upload(b, model.params.data, params);
        upload(b, model.head_ref, head_ref);
    }
    SchNetCopy(const SchNetCopy&) = delete;
    SchNetCopy& operator=(const SchNetCopy&) = delete;

    SchNetWeights<T> weights() const {
        return {config, basis, head_scale, ParameterViews<const T>{&layout, params.data()}, span_of(head_ref), nullptr};
    }
    ParameterViews<T> grads_of(Buffer<B, T>& g) const {
        if (g.size() != params.size())
            throw Error(str("the gradient buffer has ", g.size(), " values, the parameters ", params.size()),
                        "SchNetCopy::grads_of", "allocate it with as many values as the parameters, zeroed");
        return {&layout, g.data()};
    }

    const SchNetConfig config;
    const ParameterLayout layout;
    const GaussianBasis basis;
    const std::vector<double> head_scale;
    Buffer<B, T> params;
    Buffer<B, double> head_ref;  // (n_heads, n_species)
};

}  // namespace eipnn
