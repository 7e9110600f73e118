// The continuous-filter convolution's second order (force training): its forward tangent and its
// second backward, companions of cfconv_fwd / cfconv_bwd (cfconv.hpp), same tiles and groups: the
// Host's fused overloads. Every other backend runs the layer-wise forms (cfconv_layerwise.hpp).
//
// Force training differentiates a backward pass. Its parameter gradient is that of
//   Phi = sum_g dL/dE_g E_g + sum_e u_e . dE/dvec_e,
// and the second term is the directional derivative of E along the edge-vector tangent u: each
// layer runs its forward's tangent (the inputs' tangents in, the outputs' out), then one backward
// through forward and tangent together. That backward needs the first (force) pass's adjoints D
// of each layer output: they are the tangent outputs' adjoints (nn/second_order.hpp says more).
//
// Here, along the pairs' distance tangents r_dot (n_pairs):
//   tangent   a1_dot = r_dot rbf' W1,  h1_dot = ssp'(a1) a1_dot,  o_dot = h1_dot W2,
//             w_dot = o_dot fc + o fc' r_dot (stored, (n_pairs, F)),
//             y_dot_i = sum_e [xin_dot_j * w + xin_j * w_dot]
//   second    dL/dxin_j = sum_e [dL/dy_k * w + D/dy_k * w_dot]; per pair dL/do and dL/do_dot
//   backward  (FilterOutputGradSecond), then per tile
//             dL/dh1 = dL/do W2^T, D/dh1 = dL/do_dot W2^T,
//             dW2 += h1^T dL/do + h1_dot^T dL/do_dot, db2 += colsum dL/do,
//             dL/da1 = dL/dh1 ssp'(a1) + D/dh1 ssp''(a1) a1_dot, dL/da1_dot = D/dh1 ssp'(a1),
//             dW1 += rbf^T dL/da1 + (rbf' r_dot)^T dL/da1_dot, db1 += colsum dL/da1.
// The hidden layer and its tangent are recomputed per tile, as in cfconv_bwd; parameter sums go
// per fixed group of tiles and are added in group order: deterministic for any thread count.
// Positions' second derivatives are not formed (training needs the parameters' only).
#pragma once
#include <algorithm>
#include <vector>

#include "eipnn/nn/cfconv.hpp"

namespace eipnn {

// In backend B's memory. The layer-wise path (cfconv_layerwise.hpp) keeps the first layer's
// tangents too; the host's fused tiles recompute them and leave those empty.
template <class T, class B = Host>
struct CfconvTangent {
    Buffer<B, T> w_dot;           // (n_pairs, F) the filter's tangent, cutoff included
    Buffer<B, T> a1_dot, h1_dot;  // (n_pairs, F) layer-wise only
};

namespace detail {

// Tile buffers of the second order (rows kPairTile, F), per thread.
template <class T>
T* second_tile(int slot, index_t F) {
    thread_local std::vector<T> buffers[8];
    std::vector<T>& b = buffers[slot];
    const std::size_t n = std::size_t(kPairTile) * std::size_t(F);
    if (b.size() < n) b.resize(n);
    return b.data();
}

// a1 (recomputed), a1_dot, ssp'(a1) and ssp''(a1) (both optional: null) of the tile [p0, p0 + rows)
template <class T>
void filter_hidden_tangent_tile(const BasisWindowView<T>& window, const FilterParams<T>& fp, Span<const T> r_dot,
                                index_t p0, index_t rows, T* a1, T* a1_dot, T* slope, T* curvature) {
    const index_t F = fp.W1.cols;
    const FilterFirstLayer<T> layer1{window, fp.W1, fp.b1, {a1, rows, F}, p0};
    const FilterFirstLayerTangent<T> tangent{window, fp.W1, r_dot, {a1_dot, rows, F}, p0};
    for (index_t p = p0; p < p0 + rows; ++p) {
        layer1(p);
        tangent(p);
    }
    for_each_chunk(Host{1}, rows * F, [&](index_t k0, index_t m) {
        activation_derivatives_chunk<T>(Activation::ShiftedSoftplus, a1 + k0, m, slope + k0, curvature + k0);
    });
}

}  // namespace detail

// y_dot (n_atoms, F) from xin_dot (n_atoms, F; data == nullptr: zero) and r_dot (n_pairs);
// stores the filter's tangent in `tan`.
template <class T>
void cfconv_tangent_fwd(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom,
                        const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                        const CfconvSaved<T>& saved, Span<const T> r_dot, CfconvTangent<T>& tan, MatrixView<T> y_dot) {
    const index_t F = fp.W2.cols, n_pairs = batch.n_pairs();
    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    tan.w_dot.resize(std::size_t(n_pairs) * F);
    const BasisWindowView<T> window = pair_window(geom, n_pairs, "cfconv_tangent_fwd");
    const MatrixView<const T> filter = matrix_of(saved.filter, F);
    const MatrixView<T> w_dot = matrix_of(tan.w_dot, F);
    PackedRhs<T> W2;  // packed once, read by every tile
    W2.pack(fp.W2, false);
    {
        // (counted: the GEMM o_dot = h1_dot W2)
        const PhaseScope phase("filter network (pair tiles)", 2.0 * double(n_pairs) * F * F, true);
        for_each_block(host, n_tiles, [&](index_t t) {
            const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0);
            T *a1 = detail::second_tile<T>(0, F), *a1_dot = detail::second_tile<T>(1, F);
            T *slope = detail::second_tile<T>(2, F), *curvature = detail::second_tile<T>(3, F);
            T* o_dot = detail::second_tile<T>(4, F);
            detail::filter_hidden_tangent_tile(window, fp, r_dot, p0, rows, a1, a1_dot, slope, curvature);
            for (index_t k = 0; k < rows * F; ++k) a1_dot[k] *= slope[k];  // h1_dot
            tile_gemm(rows, GemmLhs<T>{a1_dot, F}, W2.view(), o_dot, F, GemmInit::Zero);
            const FilterTangentOut<T> out{{o_dot, rows, F}, filter, span_of(geom.fc), span_of(geom.dfc_dr),
                                          r_dot, w_dot, p0};
            for (index_t p = p0; p < p0 + rows; ++p) out(p);
        });
    }
    const PhaseScope gather("conv gather");
    for_each_dynamic(host, batch.n_atoms(),
                     ConvGatherPair<T>{batch.offsets, batch.neighbors, batch.edge_pair, xin_dot,
                                       filter, span_of(geom.fc), xin, matrix_of(std::as_const(tan.w_dot), F), y_dot});
}

// From dL/dy and the force pass's D/dy: dL/dxin (written) and the filter's parameter gradients
// (accumulated; any view with data == nullptr skipped).
template <class T>
void cfconv_bwd_second(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom,
                       const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                       const CfconvSaved<T>& saved, const CfconvTangent<T>& tan, Span<const T> r_dot,
                       MatrixView<const T> dL_dy, MatrixView<const T> D_dy, MatrixView<T> dL_dxin,
                       const FilterGrads<T>& grads) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, n_pairs = batch.n_pairs();
    const MatrixView<const T> filter = matrix_of(saved.filter, F), w_dot = matrix_of(tan.w_dot, F);
    const BasisWindowView<T> window = pair_window(geom, n_pairs, "cfconv_bwd_second");
    {
        const PhaseScope phase("conv gather");
        for_each_dynamic(host, batch.n_atoms(),
                         ConvGatherPair<T>{batch.offsets, batch.neighbors, batch.edge_pair,
                                           dL_dy, filter, span_of(geom.fc), D_dy, w_dot, dL_dxin});
    }
    if (!grads.any()) return;

    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    const index_t n_groups = (n_tiles + kTilesPerGroup - 1) / kTilesPerGroup;
    const std::size_t part = std::size_t(K) * F + std::size_t(F) * F + 2 * std::size_t(F);
    std::vector<T>& partial = detail::group_partials<T>(part * std::size_t(n_groups));
    PackedRhs<T> W2t;  // W2^T packed once, read by every tile
    W2t.pack(fp.W2, true);
    {
        // (counted: the GEMMs dH, DH and the two dW2 products)
        const PhaseScope phase("filter network (pair tiles)", 8.0 * double(n_pairs) * F * F, true);
        for_each_block(host, n_groups, [&](index_t g) {
            T* const gW1 = partial.data() + part * std::size_t(g);
            std::fill(gW1, gW1 + part, T(0));
            T* const gb1 = gW1 + std::size_t(K) * F;
            T* const gW2 = gb1 + F;
            T* const gb2 = gW2 + std::size_t(F) * F;
            T *a1 = detail::second_tile<T>(0, F), *a1_dot = detail::second_tile<T>(1, F);
            T *slope = detail::second_tile<T>(2, F), *curvature = detail::second_tile<T>(3, F);
            T *dO = detail::second_tile<T>(4, F), *dOd = detail::second_tile<T>(5, F);
            T *dH = detail::second_tile<T>(6, F), *DH = detail::second_tile<T>(7, F);
            const index_t t_end = std::min(n_tiles, (g + 1) * kTilesPerGroup);
            for (index_t t = g * kTilesPerGroup; t < t_end; ++t) {
                const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0), m = rows * F;
                const FilterOutputGradSecond<T> out_grad{batch.pair_edge, batch.centers,
                                                         batch.neighbors, xin, xin_dot, dL_dy, D_dy,
                                                         span_of(geom.fc), span_of(geom.dfc_dr), r_dot,
                                                         {dO, rows, F}, {dOd, rows, F}, p0};
                for (index_t p = p0; p < p0 + rows; ++p) out_grad(p);
                detail::filter_hidden_tangent_tile(window, fp, r_dot, p0, rows, a1, a1_dot, slope, curvature);
                tile_gemm(rows, GemmLhs<T>{dO, F}, W2t.view(), dH, F, GemmInit::Zero);
                tile_gemm(rows, GemmLhs<T>{dOd, F}, W2t.view(), DH, F, GemmInit::Zero);
                // h1 = ssp(a1) over a1 (a1 is not needed after), h1_dot = ssp'(a1) a1_dot in `curvature`'s
                // place once the curvature has been used: first form dL/da1 and dL/da1_dot.
                for (index_t k = 0; k < m; ++k) {
                    const T s = slope[k], a_dot = a1_dot[k];
                    dH[k] = dH[k] * s + DH[k] * curvature[k] * a_dot;  // dL/da1
                    DH[k] *= s;                                         // dL/da1_dot
                    curvature[k] = s * a_dot;                           // h1_dot
                }
                activation_fwd(Host{1}, Activation::ShiftedSoftplus, Span<const T>{a1, m}, Span<T>{a1, m});  // h1
                tile_gemm(F, GemmLhs<T>{a1, F, true}, rhs_rows(MatrixView<const T>{dO, rows, F}), gW2, F,
                          GemmInit::Accumulate);
                tile_gemm(F, GemmLhs<T>{curvature, F, true}, rhs_rows(MatrixView<const T>{dOd, rows, F}), gW2, F,
                          GemmInit::Accumulate);
                add_column_sums(MatrixView<const T>{dO, rows, F}, gb2);
                // dW1 row by row where the kernel exists (window_grad_host.hpp), else per pair
                if constexpr (std::is_same_v<T, float> && kWindowGradKernel) {
                    window_weight_grad_tile(window, p0, rows, dH, F, gW1, K, DH, r_dot.data);
                    add_column_sums(MatrixView<const T>{dH, rows, F}, gb1);
                } else {
                    const FilterFirstLayerBwdSecond<T> layer1{window, {dH, rows, F}, {DH, rows, F}, r_dot, gW1, gb1, p0};
                    for (index_t p = p0; p < p0 + rows; ++p) layer1(p);
                }
            }
        });
    }
    const PhaseScope reduce_phase("filter gradient sums");
    auto reduce = [&](MatrixView<T> dst, std::size_t at) {
        if (!dst.data) return;
        for_each(host, dst.rows * dst.cols, [&](index_t k) {
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
