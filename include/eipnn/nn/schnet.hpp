// SchNet (Schütt et al. 2018) as in schnetpack and the paper's reference code:
//   x^0_i   = E[Z_i]                                       (embedding.hpp)
//   x^{t+1} = interaction_t(x^t)  or  x^t + interaction_t(x^t)   (interaction.hpp; residual off
//             by default, as in the paper's code)
//   E_g     = scale * sum_i [ssp(x^T_i W1 + b1) W2 + b2] + sum_i ref[Z_i]   per head (readout.hpp)
// plus an optional classifier head (sum of x^T per graph -> BatchNorm -> MLP -> K+1 logits).
// Defaults are the paper's: cutoff 5 Å, 128 features, 128 Gaussians, 5 interactions, head
// 128 -> 128 -> 1. All parameters live in one flat buffer (parameters.hpp); names below.
//
// forward() saves what backward() needs in SchNetForward; backward() turns dL/dE per graph (and
// head) into parameter gradients and/or dE/dr per pair; energy_forces() turns the latter into
// forces (-dE/dx) and virials through geometry/edge_forces.hpp's gather.
#pragma once
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/math/cutoff.hpp"
#include "eipnn/math/gaussian_basis.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/interaction.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/radial_basis.hpp"
#include "eipnn/nn/readout.hpp"
#include "eipnn/nn/readout_functors.hpp"
#include "eipnn/nn/schnet_config.hpp"

namespace eipnn {

template <class T>
struct SchNetForward {
    std::vector<index_t> species;             // (n_atoms)
    PairGeometry<T> geom;                     // per pair r, fc, fc'
    std::vector<std::vector<T>> x;            // n_interactions + 1 of (n_atoms, F)
    std::vector<InteractionSaved<T>> blocks;  // n_interactions
    std::vector<AtomwiseHeadSaved<T>> heads;  // n_heads
    std::vector<double> energies;             // (n_graphs, n_heads)
};

template <class T>
class SchNet {
public:
    using Scalar = T;
    using Forward = SchNetForward<T>;
    SchNetConfig config;
    ParameterLayout layout;
    ParameterBuffer<T> params;
    std::vector<double> head_scale;  // (n_heads)
    std::vector<double> head_ref;    // (n_heads, n_species)
    BatchNormState<T> bn;
    GaussianBasis basis;

    explicit SchNet(const SchNetConfig& cfg = {}, unsigned seed = 42) : config(cfg) {
        config.validate();
        const index_t F = cfg.n_features, S = index_t(cfg.species.size());
        layout.add("embedding", S, F);
        for (index_t t = 0; t < cfg.n_interactions; ++t) {
            const std::string p = block_prefix(t);
            layout.add(p + "filter1.W", cfg.n_rbf, F);
            layout.add(p + "filter1.b", 1, F);
            layout.add(p + "filter2.W", F, F);
            layout.add(p + "filter2.b", 1, F);
            layout.add(p + "in.W", F, F);
            layout.add(p + "out1.W", F, F);
            layout.add(p + "out1.b", 1, F);
            layout.add(p + "out2.W", F, F);
            layout.add(p + "out2.b", 1, F);
        }
        add_output_head_parameters(layout, {F, cfg.head_hidden, cfg.n_heads, cfg.n_classes, cfg.classifier_hidden});
        params = ParameterBuffer<T>(layout);
        head_scale.assign(std::size_t(cfg.n_heads), 1.0);
        head_ref.assign(std::size_t(cfg.n_heads) * std::size_t(S), 0.0);
        bn.running_mean.assign(std::size_t(F), T(0));
        bn.running_var.assign(std::size_t(F), T(1));
        basis = GaussianBasis::make_for<T>(cfg.n_rbf, cfg.cutoff, cfg.rbf_width);
        initialize(seed);
    }

    static std::string block_prefix(index_t t) { return schnet_block_prefix(t); }
    static std::string head_prefix(index_t k) { return schnet_head_prefix(k); }

    // Glorot-uniform weights (schnetpack's Dense default), unit-variance embedding, small random
    // biases (zero would be the usual start; random ones make every bias visible to the tests),
    // BatchNorm gamma = 1, beta = 0.
    void initialize(unsigned seed) {
        std::mt19937_64 rng(seed);
        for (const ParameterEntry& e : layout.entries()) {
            MatrixView<T> m = params.at(e);
            const bool bias = e.rows == 1 && e.name.find(".b") != std::string::npos;
            double a = std::sqrt(6.0 / double(e.rows + e.cols));
            if (e.name == "embedding") a = std::sqrt(3.0);
            if (bias) a = 0.1;
            std::uniform_real_distribution<double> u(-a, a);
            for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(u(rng));
            if (e.name == "classifier.bn.gamma")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(1);
            if (e.name == "classifier.bn.beta")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(0);
        }
    }

    // The same model in another scalar type (float for training, double for checks).
    template <class U>
    SchNet<U> cast() const {
        SchNet<U> m(config);
        for (std::size_t k = 0; k < params.data.size(); ++k) m.params.data[k] = U(params.data[k]);
        m.head_scale = head_scale;
        m.head_ref = head_ref;
        for (std::size_t c = 0; c < bn.running_mean.size(); ++c) {
            m.bn.running_mean[c] = U(bn.running_mean[c]);
            m.bn.running_var[c] = U(bn.running_var[c]);
        }
        return m;
    }

    InteractionParams<T> block(index_t t) const {
        const std::string p = block_prefix(t);
        return {{cv(p + "filter1.W"), cv(p + "filter1.b"), cv(p + "filter2.W"), cv(p + "filter2.b")},
                cv(p + "in.W"), cv(p + "out1.W"), cv(p + "out1.b"), cv(p + "out2.W"), cv(p + "out2.b")};
    }
    static InteractionGrads<T> block_grads(ParameterBuffer<T>& g, index_t t) {
        const std::string p = block_prefix(t);
        return {{g.view(p + "filter1.W"), g.view(p + "filter1.b"), g.view(p + "filter2.W"), g.view(p + "filter2.b")},
                g.view(p + "in.W"), g.view(p + "out1.W"), g.view(p + "out1.b"), g.view(p + "out2.W"),
                g.view(p + "out2.b")};
    }

    // Backbone and energy heads. energies: (n_graphs, n_heads).
    void forward(const Host& host, const GraphBatch& batch, SchNetForward<T>& fw) const {
        check_batch(batch);
        const index_t n = batch.n_atoms(), F = config.n_features, P = batch.n_pairs();
        fw.species = species_indices(config.species, batch.numbers, "SchNet::forward");
        fw.geom.r.resize(std::size_t(P));
        fw.geom.fc.resize(std::size_t(P));
        fw.geom.dfc_dr.resize(std::size_t(P));
        for_each(host, P,
                 PairGeometryFwd<T>{config.cutoff, span_of(batch.pair_edge), span_of(batch.distances), span_of(fw.geom.r),
                                    span_of(fw.geom.fc), span_of(fw.geom.dfc_dr)});
        fw.x.resize(std::size_t(config.n_interactions) + 1);
        for (auto& v : fw.x) v.resize(std::size_t(n) * F);
        embedding_fwd(host, span_of(std::as_const(fw.species)), cv("embedding"), matrix_of(fw.x[0], F));
        fw.blocks.resize(std::size_t(config.n_interactions));
        for (index_t t = 0; t < config.n_interactions; ++t)
            interaction_fwd(host, batch, fw.geom, basis, block(t), config.residual,
                            matrix_of(std::as_const(fw.x[std::size_t(t)]), F), fw.blocks[std::size_t(t)],
                            matrix_of(fw.x[std::size_t(t) + 1], F));
        energy_heads_fwd(host, batch, params, span_of(std::as_const(fw.species)), head_scale, head_ref, features(fw),
                         fw.heads, fw.energies);
    }

    MatrixView<const T> features(const SchNetForward<T>& fw) const { return matrix_of(fw.x.back(), config.n_features); }

    // From dL/dE (n_graphs, n_heads), plus optionally dL/dx^T from another head (e.g. the
    // classifier): parameter gradients accumulated into `grads` (if given) and dL/dr per pair
    // accumulated into `dL_dr` (if given; resized and zeroed here).
    void backward(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw, Span<const double> dL_dE,
                  ParameterBuffer<T>* grads, std::vector<T>* dL_dr, const std::vector<T>* dL_dx_extra = nullptr) const {
        const index_t n = batch.n_atoms(), F = config.n_features, G = batch.n_graphs(), K = config.n_heads;
        if (dL_dE.size != G * K)
            throw Error(str("dL_dE has ", dL_dE.size, " values, need n_graphs * n_heads = ", G * K), "SchNet::backward");
        std::vector<T> d_next(std::size_t(n) * F, T(0)), d_prev(std::size_t(n) * F), scratch;
        if (dL_dx_extra) d_next = *dL_dx_extra;
        energy_heads_bwd(host, batch, params, head_scale, features(fw), fw.heads, dL_dE, grads, matrix_of(d_next, F),
                         scratch);
        if (dL_dr) dL_dr->assign(std::size_t(batch.n_pairs()), T(0));
        const Span<T> dr = dL_dr ? span_of(*dL_dr) : Span<T>{};
        for (index_t t = config.n_interactions - 1; t >= 0; --t) {
            InteractionGrads<T> ig{};
            if (grads) ig = block_grads(*grads, t);
            interaction_bwd(host, batch, fw.geom, basis, block(t), config.residual,
                            matrix_of(fw.x[std::size_t(t)], F), fw.blocks[std::size_t(t)],
                            matrix_of(std::as_const(d_next), F), matrix_of(d_prev, F), ig, dr, scratch);
            std::swap(d_next, d_prev);
        }
        if (grads) embedding_bwd(span_of(fw.species), matrix_of(std::as_const(d_next), F), grads->view("embedding"));
    }

    // Energies (head 0), forces and per-graph virials.
    void energy_forces(const Host& host, const GraphBatch& batch, SchNetForward<T>& fw, EnergyForces<T>& out) const {
        forward(host, batch, fw);
        const index_t G = batch.n_graphs(), K = config.n_heads;
        std::vector<double> seed(std::size_t(G) * K, 0.0);
        out.energies.resize(std::size_t(G));
        for (index_t g = 0; g < G; ++g) {
            seed[std::size_t(g * K)] = 1.0;
            out.energies[std::size_t(g)] = fw.energies[std::size_t(g * K)];
        }
        std::vector<T> dE_dr;
        backward(host, batch, fw, span_of(std::as_const(seed)), nullptr, &dE_dr);
        forces_from_pair_gradients(host, batch, fw.geom, dE_dr, out);
    }

    // dE/dr per pair -> the edge gradients (only the pair's first edge carries it: the energy
    // depends on each distance once) -> forces (n_atoms, 3) and virial (n_graphs, 9).
    static void forces_from_pair_gradients(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom,
                                           const std::vector<T>& dE_dr, EnergyForces<T>& out) {
        std::vector<T> dE_dvec(3 * std::size_t(batch.n_edges()), T(0));
        for_each(host, batch.n_pairs(),
                 PairToEdgeGradient<T>{span_of(batch.pair_edge), matrix_of(batch.vectors, 3), span_of(geom.r),
                                       span_of(dE_dr), matrix_of(dE_dvec, 3)});
        forces_from_edge_gradients(host, batch, dE_dvec, out);
    }

    // Classifier logits from a forward's features; updates the running statistics in training.
    void classifier_forward(const Host& host, const GraphBatch& batch, const SchNetForward<T>& fw, bool training,
                            ClassifierSaved<T>& sv) {
        require_classifier();
        classifier_head_fwd(host, batch, params, bn, training, features(fw), sv);
    }
    // dL/dx^T (n_atoms, F) from dL/dlogits, classifier gradients accumulated into grads (if any).
    std::vector<T> classifier_backward(const Host& host, const GraphBatch& batch, const ClassifierSaved<T>& sv,
                                       const std::vector<T>& dL_dlogits, ParameterBuffer<T>* grads) const {
        require_classifier();
        return classifier_head_bwd(host, batch, params, sv, dL_dlogits, config.n_classes, config.n_features, grads);
    }

private:
    MatrixView<const T> cv(const std::string& name) const { return params.view(name); }

    void require_classifier() const {
        if (config.n_classes <= 0)
            throw Error("this model has no classifier head", "SchNet", "set SchNetConfig::n_classes to K+1");
    }
    void check_batch(const GraphBatch& batch) const {
        if (std::abs(batch.cutoff - config.cutoff) > 1e-12 * config.cutoff && batch.n_edges() > 0)
            throw Error(str("the batch's lists use cutoff ", batch.cutoff, " Å, the model ", config.cutoff, " Å"),
                        "SchNet::forward", "build the neighbour lists with the model's cutoff");
    }
};

}  // namespace eipnn
