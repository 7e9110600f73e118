// SchNet's continuous-filter convolution, fused.
//
//   filter   o_p = W2^T ssp(W1^T rbf(r_p) + b1) + b2        (F) per pair p (rbf -> F -> F)
//            w_p = o_p fc(r_p)                               (cosine cutoff)
//   conv     y_i = sum over edges e = i -> j of xin_j * w_pair(e)   (elementwise in F)
//
// What is fused and why:
// - The filter depends on the distance only, so it is computed once per undirected pair, not
//   per directed edge: half the filter GEMMs of a full-list implementation, forward and backward.
// - Pairs are processed in tiles of kPairTile: the first layer is evaluated on each distance's
//   Gaussian window (math/gaussian_basis.hpp) straight into a tile buffer, the activation in
//   place, and the second layer is one GEMM from the tile into the stored filter. The only
//   (pairs, F) tensor written to memory is o (pre-cutoff, needed by the conv and by the backward
//   for dL/dr); the hidden layer is recomputed per tile in the backward, which costs a window
//   sum instead of a stored (pairs, F) tensor.
// - The conv is a segment sum over each centre's CSR edges (no atomics); its input gradient
//   dxin_j = sum over edges j -> k of dy_k * w_pair is the same kernel with dy in place of xin,
//   because pair(e) = pair(reverse(e)).
// - Parameter gradients are accumulated per group of tiles (a fixed partition of the pairs, not
//   of the threads), then summed over groups in order: deterministic for any thread count.
#pragma once
#include <algorithm>
#include <utility>
#include <vector>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/math/gaussian_basis.hpp"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/graph_batch.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

inline constexpr index_t kPairTile = 256;
inline constexpr index_t kTilesPerGroup = 4;

template <class T>
struct FilterParams {
    MatrixView<const T> W1;  // (K, F)
    MatrixView<const T> b1;  // (1, F)
    MatrixView<const T> W2;  // (F, F)
    MatrixView<const T> b2;  // (1, F)
};

// Gradients to accumulate into; any with data == nullptr is not computed.
template <class T>
struct FilterGrads {
    MatrixView<T> W1, b1, W2, b2;
    bool any() const { return W1.data || b1.data || W2.data || b2.data; }
};

template <class T>
struct CfconvSaved {
    std::vector<T> filter;  // (n_pairs, F) o_p, before the cutoff
};

namespace detail {

// A1 rows of one tile: a1_q = b1 + sum over the window of rbf_k(r_p) W1[k, :]   (rows, F)
template <class T>
void filter_first_layer(const GaussianBasis& basis, const FilterParams<T>& fp, const double* r, index_t rows, T* A1) {
    const index_t F = fp.W1.cols;
    for (index_t q = 0; q < rows; ++q) {
        T* a = A1 + std::size_t(q) * F;
        for (index_t c = 0; c < F; ++c) a[c] = fp.b1(0, c);
        index_t k0, k1;
        basis.window(r[q], k0, k1);
        for (index_t k = k0; k < k1; ++k) {
            T v, dv;
            basis.eval(k, r[q], v, dv);
            const T* w = fp.W1.row(k);
            for (index_t c = 0; c < F; ++c) a[c] += v * w[c];
        }
    }
}

// out_i = sum over edges e of i of src_{nbr(e)} * filter_{pair(e)} * fc_{pair(e)}   (n_atoms, F)
template <class T>
struct ConvGather {
    Span<const index_t> offsets, neighbors, edge_pair;
    MatrixView<const T> src;     // (n_atoms, F)
    MatrixView<const T> filter;  // (n_pairs, F)
    Span<const T> fc;            // (n_pairs)
    MatrixView<T> out;           // (n_atoms, F)

    EIPNN_HD void operator()(index_t i) const {
        const index_t F = out.cols;
        T* acc = out.row(i);
        for (index_t c = 0; c < F; ++c) acc[c] = T(0);
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const index_t p = edge_pair[e];
            const T* s = src.row(neighbors[e]);
            const T* w = filter.row(p);
            const T f = fc[p];
            for (index_t c = 0; c < F; ++c) acc[c] += s[c] * (w[c] * f);
        }
    }
};

template <class T>
std::vector<T>& tile_scratch(int slot, std::size_t n) {
    thread_local std::vector<T> buffers[4];
    std::vector<T>& b = buffers[slot];
    if (b.size() < n) b.resize(n);
    return b;
}

}  // namespace detail

// y (n_atoms, F) from xin (n_atoms, F); saves the filter.
template <class T>
void cfconv_fwd(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom, const GaussianBasis& basis,
                const FilterParams<T>& fp, MatrixView<const T> xin, CfconvSaved<T>& saved, MatrixView<T> y) {
    const index_t F = fp.W2.cols, n_pairs = batch.n_pairs();
    saved.filter.resize(std::size_t(n_pairs) * F);
    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    T* filter = saved.filter.data();
    for_each_block(host, n_tiles, [&](index_t t) {
        const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0);
        std::vector<T>& A1 = detail::tile_scratch<T>(0, std::size_t(kPairTile) * F);
        detail::filter_first_layer(basis, fp, geom.r.data() + p0, rows, A1.data());
        for (index_t k = 0; k < rows * F; ++k) A1[std::size_t(k)] = shifted_softplus(A1[std::size_t(k)]);
        ConstRowMap<T> h1(A1.data(), rows, F);
        RowMap<T> o(filter + std::size_t(p0) * F, rows, F);
        o.noalias() = h1 * eigen_map(fp.W2);
        o.rowwise() += eigen_map(fp.b2).row(0);
    });
    for_each_dynamic(host, batch.n_atoms(),
                     detail::ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair),
                                           xin, matrix_of(std::as_const(saved.filter), F), span_of(geom.fc), y});
}

// From dL/dy: dL/dxin (written), filter parameter gradients (accumulated) and dL/dr per pair
// (accumulated; skipped when dL_dr.data is null).
template <class T>
void cfconv_bwd(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom, const GaussianBasis& basis,
                const FilterParams<T>& fp, MatrixView<const T> xin, const CfconvSaved<T>& saved,
                MatrixView<const T> dL_dy, MatrixView<T> dL_dxin, const FilterGrads<T>& grads, Span<T> dL_dr) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, n_pairs = batch.n_pairs();
    const MatrixView<const T> filter = matrix_of(saved.filter, F);
    for_each_dynamic(host, batch.n_atoms(),
                     detail::ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair),
                                           dL_dy, filter, span_of(geom.fc), dL_dxin});
    const bool want_grads = grads.any(), want_r = dL_dr.data != nullptr;
    if (!want_grads && !want_r) return;

    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    const index_t n_groups = (n_tiles + kTilesPerGroup - 1) / kTilesPerGroup;
    // per group: dW1 (K, F), db1 (F), dW2 (F, F), db2 (F)
    const std::size_t part = std::size_t(K) * F + std::size_t(F) * F + 2 * std::size_t(F);
    std::vector<T> partial(want_grads ? part * std::size_t(n_groups) : 0, T(0));

    for_each_block(host, n_groups, [&](index_t g) {
        T* const base = want_grads ? partial.data() + part * std::size_t(g) : nullptr;
        T* const gW1 = base;
        T* const gb1 = base ? base + std::size_t(K) * F : nullptr;
        T* const gW2 = base ? gb1 + F : nullptr;
        T* const gb2 = base ? gW2 + std::size_t(F) * F : nullptr;
        std::vector<T>& G = detail::tile_scratch<T>(0, std::size_t(kPairTile) * F);   // dL/dw, then dL/do
        std::vector<T>& S = detail::tile_scratch<T>(1, std::size_t(kPairTile) * F);   // a1, then ssp'(a1), then dL/da1
        std::vector<T>& H = detail::tile_scratch<T>(2, std::size_t(kPairTile) * F);   // ssp(a1)
        std::vector<T>& dH = detail::tile_scratch<T>(3, std::size_t(kPairTile) * F);  // dL/dh1
        const index_t t_end = std::min(n_tiles, (g + 1) * kTilesPerGroup);
        for (index_t t = g * kTilesPerGroup; t < t_end; ++t) {
            const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0);
            const double* r = geom.r.data() + p0;
            for (index_t q = 0; q < rows; ++q) {
                const index_t p = p0 + q, e = batch.pair_edge[std::size_t(p)];
                const index_t i = batch.centers[std::size_t(e)], j = batch.neighbors[std::size_t(e)];
                const T *dyi = dL_dy.row(i), *dyj = dL_dy.row(j), *xi = xin.row(i), *xj = xin.row(j);
                const T* o = filter.row(p);
                T* gq = G.data() + std::size_t(q) * F;
                const T fc = geom.fc[std::size_t(p)];
                T dot = 0;
                for (index_t c = 0; c < F; ++c) {
                    const T dw = dyi[c] * xj[c] + dyj[c] * xi[c];  // both directions of the pair
                    dot += dw * o[c];
                    gq[c] = dw * fc;
                }
                if (want_r) dL_dr[p] += dot * geom.dfc_dr[std::size_t(p)];
            }
            detail::filter_first_layer(basis, fp, r, rows, S.data());
            for (index_t k = 0; k < rows * F; ++k) {
                T v, d;
                activation_eval(Activation::ShiftedSoftplus, S[std::size_t(k)], v, d);
                H[std::size_t(k)] = v;
                S[std::size_t(k)] = d;
            }
            ConstRowMap<T> dO(G.data(), rows, F), h1(H.data(), rows, F);
            if (want_grads) {
                RowMap<T>(gW2, F, F).noalias() += h1.transpose() * dO;
                RowMap<T>(gb2, 1, F) += dO.colwise().sum();
            }
            RowMap<T> dh1(dH.data(), rows, F);
            dh1.noalias() = dO * eigen_map(fp.W2).transpose();
            for (index_t k = 0; k < rows * F; ++k) S[std::size_t(k)] *= dH[std::size_t(k)];  // dL/da1
            for (index_t q = 0; q < rows; ++q) {
                const T* da = S.data() + std::size_t(q) * F;
                index_t k0, k1;
                basis.window(r[q], k0, k1);
                T dr = 0;
                for (index_t k = k0; k < k1; ++k) {
                    T v, dv;
                    basis.eval(k, r[q], v, dv);
                    const T* w1 = fp.W1.row(k);
                    if (want_grads) {
                        T* gw = gW1 + std::size_t(k) * F;
                        for (index_t c = 0; c < F; ++c) gw[c] += v * da[c];
                    }
                    if (want_r) {
                        T s = 0;
                        for (index_t c = 0; c < F; ++c) s += w1[c] * da[c];
                        dr += dv * s;
                    }
                }
                if (want_r) dL_dr[p0 + q] += dr;
                if (want_grads)
                    for (index_t c = 0; c < F; ++c) gb1[c] += da[c];
            }
        }
    });
    if (!want_grads) return;
    // sum the groups in order; parallel over parameter elements
    auto reduce = [&](MatrixView<T> dst, std::size_t at) {
        if (!dst.data) return;
        const index_t n = dst.rows * dst.cols;
        for_each(host, n, [&](index_t k) {
            T acc = 0;
            for (index_t g = 0; g < n_groups; ++g) acc += partial[part * std::size_t(g) + at + std::size_t(k)];
            dst.data[k] += acc;
        });
    };
    reduce(grads.W1, 0);
    reduce(grads.b1, std::size_t(K) * F);
    reduce(grads.W2, std::size_t(K) * F + F);
    reduce(grads.b2, std::size_t(K) * F + F + std::size_t(F) * F);
}

}  // namespace eipnn
