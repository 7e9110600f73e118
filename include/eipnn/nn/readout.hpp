// Readouts from the final atom features x (n_atoms, F).
//
// Atom-wise energy head (one of K parallel heads):
//   E_i = ssp(x_i W1 + b1) W2 + b2                   (F -> H -> 1)
//   E_g = scale * sum_{i in g} E_i + sum_{i in g} ref[s_i]
// scale and ref are fixed normalisation constants (targets' spread and per-species reference
// energies, fitted on the training split), not trained; the network learns O(1) numbers.
//
// Classifier head (METHOD.md strategy 1):
//   P_g = sum_{i in g} x_i  ->  BatchNorm  ->  ssp(. W1 + b1) W2 + b2  =  K+1 logits
// BatchNorm in training mode normalises with the batch's mean and biased variance and updates the
// running statistics (momentum 0.1, unbiased variance, as torch.nn.BatchNorm1d); in evaluation
// mode it uses the running statistics. Loss: softmax cross-entropy, mean over graphs.
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/readout_functors.hpp"

namespace eipnn {

// In backend B's memory.
template <class T, class B = Host>
struct AtomwiseHeadSaved {
    Buffer<B, T> a;       // (n_atoms, H) pre-activation
    Buffer<B, T> h;       // (n_atoms, H)
    Buffer<B, T> e_atom;  // (n_atoms) network output E_i (before scale)
};

// energies[g * stride] (n_graphs): scale * sum E_i + sum ref[s_i], accumulated in double. Every
// view in backend b's memory; written once for every backend.
template <class B, class T>
void atomwise_head_fwd(const B& b, const GraphBatchView& batch, Span<const index_t> species, const MlpParams<T>& mp,
                       double scale, Span<const double> ref, MatrixView<const T> x, AtomwiseHeadSaved<T, B>& sv,
                       Span<double> energies, index_t stride = 1) {
    const index_t n = x.rows, H = mp.W1.cols;
    sv.a.resize(std::size_t(n) * H);
    sv.h.resize(std::size_t(n) * H);
    sv.e_atom.resize(std::size_t(n));
    dense_fwd(b, x, mp.W1, mp.b1, matrix_of(sv.a, H));
    activation_fwd(b, Activation::ShiftedSoftplus, span_of(std::as_const(sv.a)), span_of(sv.h));
    dense_fwd(b, matrix_of(std::as_const(sv.h), H), mp.W2, mp.b2, matrix_of(sv.e_atom, 1));
    for_each(b, batch.n_graphs(),
             HeadEnergySum<T>{batch.atom_offsets, species, span_of(std::as_const(sv.e_atom)), ref, scale, energies, stride});
}

// dL_dx += from dL_dE[g * stride + head] (n_graphs, in b's memory); head parameter gradients
// accumulated.
template <class B, class T>
void atomwise_head_bwd(const B& b, const GraphBatchView& batch, const MlpParams<T>& mp, double scale,
                       MatrixView<const T> x, const AtomwiseHeadSaved<T, B>& sv, Span<const double> dL_dE,
                       MatrixView<T> dL_dx, const MlpGrads<T>& g, Buffer<B, T>& scratch, index_t stride = 1,
                       index_t head = 0) {
    const index_t n = x.rows, H = mp.W1.cols;
    scratch.resize(std::size_t(n) * (H + 1));
    const MatrixView<T> d_e{scratch.data(), n, 1}, d_a{scratch.data() + n, n, H};
    for_each(b, n, HeadEnergySeed<T>{batch.graph_of_atom, dL_dE, scale, Span<T>{d_e.data, n}, stride, head});
    dense_bwd(b, matrix_of(sv.h, H), mp.W2, MatrixView<const T>{d_e.data, n, 1}, d_a, g.W2, g.b2);
    activation_bwd(b, Activation::ShiftedSoftplus, span_of(sv.a), Span<const T>{d_a.data, n * H},
                   Span<T>{d_a.data, n * H});
    dense_bwd(b, x, mp.W1, MatrixView<const T>{d_a.data, n, H}, dL_dx, g.W1, g.b1, /*accumulate_dX=*/true);
}

// ---- second order (force training; nn/second_order.hpp) ---------------------------------------
template <class T, class B = Host>
struct AtomwiseHeadTangent {
    Buffer<B, T> a_dot, h_dot;  // (n_atoms, H)
};

// a_dot = x_dot W1, h_dot = ssp'(a) a_dot.
template <class B, class T>
void atomwise_head_tangent_fwd(const B& b, const MlpParams<T>& mp, MatrixView<const T> x_dot,
                               const AtomwiseHeadSaved<T, B>& sv, AtomwiseHeadTangent<T, B>& tan) {
    const index_t n = x_dot.rows, H = mp.W1.cols;
    tan.a_dot.resize(std::size_t(n) * H);
    tan.h_dot.resize(std::size_t(n) * H);
    dense_tangent_fwd(b, x_dot, mp.W1, matrix_of(tan.a_dot, H));
    activation_tangent(b, Activation::ShiftedSoftplus, span_of(sv.a), span_of(std::as_const(tan.a_dot)),
                       span_of(tan.h_dot));
}

// The head's second backward: the energy seed dL/dE[g * stride + head] of the second pass and
// the seed D/dE (n_graphs) of the force pass (whose adjoints are cheap to redo here: two
// (n_atoms, H) products), both in b's memory. dL_dx += ; parameter gradients accumulated.
// `scratch` holds (n_atoms, 2 H + 2).
template <class B, class T>
void atomwise_head_bwd_second(const B& b, const GraphBatchView& batch, const MlpParams<T>& mp, double scale,
                              MatrixView<const T> x, MatrixView<const T> x_dot, const AtomwiseHeadSaved<T, B>& sv,
                              const AtomwiseHeadTangent<T, B>& tan, Span<const double> dL_dE, Span<const double> D_dE,
                              MatrixView<T> dL_dx, const MlpGrads<T>& g, Buffer<B, T>& scratch, index_t stride = 1,
                              index_t head = 0) {
    const index_t n = x.rows, H = mp.W1.cols;
    scratch.resize(std::size_t(n) * std::size_t(2 * H + 2));
    T* const base = scratch.data();
    const MatrixView<T> d_e{base, n, 1}, D_e{base + n, n, 1}, d_a{base + 2 * n, n, H}, D_a{base + 2 * n + n * H, n, H};
    const auto c = [](MatrixView<T> m) { return MatrixView<const T>(m); };
    for_each(b, n, HeadEnergySeed<T>{batch.graph_of_atom, dL_dE, scale, Span<T>{d_e.data, n}, stride, head});
    for_each(b, n, HeadEnergySeed<T>{batch.graph_of_atom, D_dE, scale, Span<T>{D_e.data, n}});
    dense_bwd_second(b, matrix_of(sv.h, H), matrix_of(tan.h_dot, H), mp.W2, c(d_e), c(D_e), d_a, g.W2, g.b2);
    gemm(b, c(D_e), false, mp.W2, true, D_a, false);  // D/dh
    activation_bwd_second(b, Activation::ShiftedSoftplus, span_of(sv.a), span_of(tan.a_dot),
                          Span<const T>{d_a.data, n * H}, Span<const T>{D_a.data, n * H}, Span<T>{d_a.data, n * H},
                          Span<T>{D_a.data, n * H});
    dense_bwd_second(b, x, x_dot, mp.W1, c(d_a), c(D_a), dL_dx, g.W1, g.b1, /*accumulate_dX=*/true);
}

template <class T>
struct ClassifierSaved {
    bool training = false;
    std::vector<T> pooled;   // (n_graphs, F) P
    std::vector<T> xhat;     // (n_graphs, F) normalised
    std::vector<T> inv_std;  // (F)
    std::vector<T> z;        // (n_graphs, F) gamma xhat + beta
    std::vector<T> a, h;     // (n_graphs, H)
    std::vector<T> logits;   // (n_graphs, C)
};

template <class T>
struct BatchNormState {
    std::vector<T> running_mean, running_var;  // (F)
    double momentum = 0.1;
    double eps = 1e-5;
};

template <class T>
void classifier_fwd(const Host& host, const GraphBatch& batch, MatrixView<const T> gamma, MatrixView<const T> beta,
                    const MlpParams<T>& mp, BatchNormState<T>& bn, bool training, MatrixView<const T> x,
                    ClassifierSaved<T>& sv) {
    const index_t G = batch.n_graphs(), F = x.cols, H = mp.W1.cols, C = mp.W2.cols;
    if (training && G < 2)
        throw Error(str("BatchNorm in training mode needs at least 2 graphs, got ", G), "classifier_fwd",
                    "use batches of 2 or more configurations, or evaluation mode");
    sv.training = training;
    sv.pooled.assign(std::size_t(G) * F, T(0));
    for (index_t g = 0; g < G; ++g)
        for (index_t i = batch.atom_offsets[std::size_t(g)]; i < batch.atom_offsets[std::size_t(g) + 1]; ++i)
            for (index_t c = 0; c < F; ++c) sv.pooled[std::size_t(g) * F + c] += x(i, c);
    sv.xhat.resize(sv.pooled.size());
    sv.z.resize(sv.pooled.size());
    sv.inv_std.resize(std::size_t(F));
    for (index_t c = 0; c < F; ++c) {
        T mean, var;
        if (training) {
            mean = 0;
            for (index_t g = 0; g < G; ++g) mean += sv.pooled[std::size_t(g) * F + c];
            mean /= T(G);
            var = 0;
            for (index_t g = 0; g < G; ++g) {
                const T d = sv.pooled[std::size_t(g) * F + c] - mean;
                var += d * d;
            }
            var /= T(G);
            const T m = T(bn.momentum);
            bn.running_mean[std::size_t(c)] = (T(1) - m) * bn.running_mean[std::size_t(c)] + m * mean;
            bn.running_var[std::size_t(c)] = (T(1) - m) * bn.running_var[std::size_t(c)] + m * var * T(G) / T(G - 1);
        } else {
            mean = bn.running_mean[std::size_t(c)];
            var = bn.running_var[std::size_t(c)];
        }
        const T inv = T(1) / std::sqrt(var + T(bn.eps));
        sv.inv_std[std::size_t(c)] = inv;
        for (index_t g = 0; g < G; ++g) {
            const std::size_t k = std::size_t(g) * F + c;
            sv.xhat[k] = (sv.pooled[k] - mean) * inv;
            sv.z[k] = gamma(0, c) * sv.xhat[k] + beta(0, c);
        }
    }
    sv.a.resize(std::size_t(G) * H);
    sv.h.resize(std::size_t(G) * H);
    sv.logits.resize(std::size_t(G) * C);
    dense_fwd(host, matrix_of(std::as_const(sv.z), F), mp.W1, mp.b1, matrix_of(sv.a, H));
    activation_fwd(host, Activation::ShiftedSoftplus, span_of(std::as_const(sv.a)), span_of(sv.h));
    dense_fwd(host, matrix_of(std::as_const(sv.h), H), mp.W2, mp.b2, matrix_of(sv.logits, C));
}

// Mean softmax cross-entropy over graphs and its gradient dL/dlogits (n_graphs, C).
template <class T>
double cross_entropy(MatrixView<const T> logits, const std::vector<int>& labels, std::vector<T>& dL_dlogits) {
    const index_t G = logits.rows, C = logits.cols;
    if (index_t(labels.size()) != G)
        throw Error(str(labels.size(), " labels for ", G, " graphs"), "cross_entropy", "give one label per graph");
    dL_dlogits.assign(std::size_t(G) * C, T(0));
    double loss = 0;
    for (index_t g = 0; g < G; ++g) {
        const int y = labels[std::size_t(g)];
        if (y < 0 || y >= C) throw Error(str("label ", y, " of graph ", g, " is outside [0, ", C, ")"), "cross_entropy");
        T mx = logits(g, 0);
        for (index_t c = 1; c < C; ++c) mx = std::max(mx, logits(g, c));
        T sum = 0;
        for (index_t c = 0; c < C; ++c) sum += std::exp(logits(g, c) - mx);
        loss += double(mx + std::log(sum) - logits(g, y));
        for (index_t c = 0; c < C; ++c)
            dL_dlogits[std::size_t(g) * C + c] = (std::exp(logits(g, c) - mx) / sum - T(c == y)) / T(G);
    }
    return loss / G;
}

// dL_dx += from dL/dlogits; classifier parameter gradients accumulated.
template <class T>
void classifier_bwd(const Host& host, const GraphBatch& batch, MatrixView<const T> gamma, const MlpParams<T>& mp,
                    const ClassifierSaved<T>& sv, MatrixView<const T> dL_dlogits, MatrixView<T> dL_dx,
                    MatrixView<T> dL_dgamma, MatrixView<T> dL_dbeta, const MlpGrads<T>& g) {
    const index_t G = batch.n_graphs(), F = gamma.cols, H = mp.W1.cols;
    std::vector<T> d_a(std::size_t(G) * H), d_z(std::size_t(G) * F), d_p(std::size_t(G) * F);
    dense_bwd(host, matrix_of(sv.h, H), mp.W2, dL_dlogits, matrix_of(d_a, H), g.W2, g.b2);
    activation_bwd(host, Activation::ShiftedSoftplus, span_of(sv.a), span_of(std::as_const(d_a)), span_of(d_a));
    dense_bwd(host, matrix_of(sv.z, F), mp.W1, matrix_of(std::as_const(d_a), H), matrix_of(d_z, F), g.W1, g.b1);
    for (index_t c = 0; c < F; ++c) {
        T s_dxhat = 0, s_dxhat_xhat = 0;
        for (index_t gr = 0; gr < G; ++gr) {
            const std::size_t k = std::size_t(gr) * F + c;
            if (dL_dgamma.data) dL_dgamma(0, c) += d_z[k] * sv.xhat[k];
            if (dL_dbeta.data) dL_dbeta(0, c) += d_z[k];
            s_dxhat += d_z[k] * gamma(0, c);
            s_dxhat_xhat += d_z[k] * gamma(0, c) * sv.xhat[k];
        }
        const T inv = sv.inv_std[std::size_t(c)];
        for (index_t gr = 0; gr < G; ++gr) {
            const std::size_t k = std::size_t(gr) * F + c;
            const T dxhat = d_z[k] * gamma(0, c);
            // training: the batch mean and variance depend on every graph's P
            d_p[k] = sv.training ? inv * (dxhat - s_dxhat / T(G) - sv.xhat[k] * s_dxhat_xhat / T(G)) : inv * dxhat;
        }
    }
    for (index_t i = 0; i < dL_dx.rows; ++i) {
        const T* src = d_p.data() + std::size_t(batch.graph_of_atom[std::size_t(i)]) * F;
        for (index_t c = 0; c < F; ++c) dL_dx(i, c) += src[c];
    }
}

}  // namespace eipnn
