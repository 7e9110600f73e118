// SchNet's continuous-filter convolution, fused, on the Host backend (cfconv_layerwise.hpp is the
// same layer for every backend, layer by layer; the device runs that one).
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
//   place, and the second layer is one GEMM from the tile into the stored filter (tile_gemm, with
//   W2 packed once per call and the bias as the accumulators' start). The only
//   (pairs, F) tensor written to memory is o (pre-cutoff, needed by the conv and by the backward
//   for dL/dr); the hidden layer is recomputed per tile in the backward, which costs a window
//   sum instead of a stored (pairs, F) tensor. The window's Gaussians are evaluated once per
//   forward into a small (pairs, window) table the backward reuses (no exp in the tile loops).
// - Activations run vectorised over each tile (activations_host.hpp); dot products over F keep
//   kDotLanes partial sums so they vectorise without -ffast-math (cfconv_functors.hpp).
// - Without parameter gradients (the force pass of force training) the backward skips ssp(a1),
//   dW2, db2, dW1 and db1: per tile one GEMM (dL/dh1) and the window dot products remain.
// - Energies and forces alone (energy_forces, MD): cfconv_fwd(for_forces) keeps do/dr from the
//   forward (forward mode through the filter network, its GEMM beside o's on the same tile), and
//   the backward is one pass over the pairs (cfconv_table.hpp's): no tile is visited twice.
// - The conv is a segment sum over each centre's CSR edges (no atomics); its input gradient
//   dxin_j = sum over edges j -> k of dy_k * w_pair is the same kernel with dy in place of xin,
//   because pair(e) = pair(reverse(e)).
// - dW1 is summed per tile row by row of dW1 where window_grad_host.hpp's kernel exists (float,
//   AVX-512), else per pair (FilterFirstLayerBwd).
// - Parameter gradients are accumulated per group of tiles (a fixed partition of the pairs, not
//   of the threads), then summed over groups in order: deterministic for any thread count.
#pragma once
#include <algorithm>
#include <utility>
#include <vector>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/math/gaussian_basis.hpp"
#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/radial_basis.hpp"
#include "eipnn/nn/tile_gemm.hpp"
#include "eipnn/nn/window_grad_host.hpp"

namespace eipnn {

inline constexpr index_t kPairTile = 256;
inline constexpr index_t kTilesPerGroup = 4;

// What the backward reads, in backend B's memory.
template <class T, class B = Host>
struct CfconvSaved {
    Buffer<B, T> filter;            // (n_pairs, F) o_p, before the cutoff
    bool tabulated = false;         // the forward read a filter table (cfconv_table.hpp)
    bool filter_dr_kept = false;    // filter_dr holds do/dr: a table's, or the exact network's
                                    // (cfconv_fwd for forces); a backward without filter gradients is
                                    // then cfconv_table_bwd's one pass over the pairs
    Buffer<B, T> filter_dr;         // (n_pairs, F) do_p/dr
    Buffer<B, T> a1, h1;            // (n_pairs, F) the layer-wise path's first layer and ssp(a1)
                                    // (cfconv_layerwise.hpp); empty after the host's fused tiles
};

namespace detail {

template <class T>
std::vector<T>& tile_scratch(int slot, std::size_t n) {
    thread_local std::vector<T> buffers[4];
    std::vector<T>& b = buffers[slot];
    if (b.size() < n) b.resize(n);
    return b;
}

// The per-group parameter-gradient partials of a backward (groups x `part` values), kept by the
// calling thread between calls and not zeroed here: each group zeroes its own part when it starts
// (in cache, on the thread that fills it). A fresh zeroed vector per call cost page faults and a
// pass over every group's part before any work.
template <class T>
std::vector<T>& group_partials(std::size_t n) {
    thread_local std::vector<T> kept;
    if (kept.size() < n) kept.resize(n);
    return kept;
}

}  // namespace detail

// Checks that geom carries the basis window of the batch's pairs (computed by the model's
// forward, or by a test, with geom.window.compute).
template <class T, class B>
BasisWindowView<T> pair_window(const PairGeometry<T, B>& geom, index_t n_pairs, const char* where) {
    if (geom.window.size() != n_pairs)
        throw Error(str("the pair geometry has ", geom.window.first.size(), " basis windows for ", n_pairs, " pairs"), where,
                    "compute geom.window from geom.r with the model's basis before the interactions");
    return geom.window.view();
}

// y (n_atoms, F) from xin (n_atoms, F); saves the filter o.
// for_forces: energies and forces follow. Then o' = do/dr is kept too, by forward mode through
// the same network on the same tile,
//   a1' = sum over k in window(r) of rbf_k'(r) W1.row(k),  h1' = ssp'(a1) a1',  o' = h1' W2,
// and a backward without filter gradients is cfconv_table_bwd's single pass over the pairs (dL/dr_p
// from o, o' and the cutoff) instead of the reverse tiles: the first layer is not recomputed, the
// activation is evaluated once for value and slope, and the tangent's GEMM replaces the
// backward's dL/dh1 GEMM. The cost is a second (n_pairs, F) tensor, o', until the backward. A
// backward with filter gradients can still follow (cfconv_bwd reads only o).
template <class T>
void cfconv_fwd(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, CfconvSaved<T>& saved, MatrixView<T> y, bool for_forces = false) {
    const index_t F = fp.W2.cols, n_pairs = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, n_pairs, "cfconv_fwd");
    saved.filter.resize(std::size_t(n_pairs) * F);
    // (a plain forward leaves filter_dr as it is: shrinking it frees nothing and would cost a
    // zero fill when the next forward for forces grows it again)
    if (for_forces) saved.filter_dr.resize(std::size_t(n_pairs) * F);
    saved.tabulated = false;
    saved.filter_dr_kept = for_forces;
    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    T *filter = saved.filter.data(), *filter_dr = saved.filter_dr.data();
    PackedRhs<T> W2;  // packed once, read by every tile
    W2.pack(fp.W2, false);
    {
        // (counted: layer 2's GEMMs, o and for forces o'; the window products are left out)
        const PhaseScope phase("filter network (pair tiles)", (for_forces ? 4.0 : 2.0) * double(n_pairs) * F * F, true);
        for_each_block(host, n_tiles, [&](index_t t) {
            const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0);
            std::vector<T>& A1 = detail::tile_scratch<T>(0, std::size_t(kPairTile) * F);   // a1, then h1
            std::vector<T>& A1d = detail::tile_scratch<T>(1, std::size_t(kPairTile) * F);  // a1', then h1'
            const FilterFirstLayer<T> layer1{window, fp.W1, fp.b1, {A1.data(), rows, F}, p0};
            for (index_t p = p0; p < p0 + rows; ++p) {
                layer1(p);
                if (for_forces)
                    window_rows_combine(static_cast<const T*>(nullptr), fp.W1, window.first[p], window.count[p],
                                        [&](index_t q) { return window.d_dr(p, q); }, A1d.data() + std::size_t(p - p0) * F);
            }
            // h1 = ssp(a1) in place; for forces h1' = ssp'(a1) a1' in place, from the same evaluation
            detail::for_each_chunk(Host{1}, rows * F, [&](index_t k0, index_t m) {
                T* const tangent = for_forces ? A1d.data() + k0 : nullptr;
                detail::activation_chunk<T>(Activation::ShiftedSoftplus, A1.data() + k0, m, A1.data() + k0, nullptr,
                                            tangent, tangent);
            });
            // o = b2 + h1 W2 (the accumulators start from the bias), o' = h1' W2
            tile_gemm(rows, GemmLhs<T>{A1.data(), F}, W2.view(), filter + std::size_t(p0) * F, F, GemmInit::BiasRows,
                      fp.b2.data);
            if (for_forces)
                tile_gemm(rows, GemmLhs<T>{A1d.data(), F}, W2.view(), filter_dr + std::size_t(p0) * F, F,
                          GemmInit::Zero);
        });
    }
    const PhaseScope gather("conv gather");
    for_each_dynamic(host, batch.n_atoms(),
                     ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair),
                                           xin, matrix_of(std::as_const(saved.filter), F), span_of(geom.fc), y});
}

// From dL/dy: dL/dxin (written), filter parameter gradients (accumulated) and dL/dr per pair
// (accumulated; skipped when dL_dr.data is null).
template <class T>
void cfconv_bwd(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, const CfconvSaved<T>& saved, MatrixView<const T> dL_dy, MatrixView<T> dL_dxin,
                const FilterGrads<T>& grads, Span<T> dL_dr) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, n_pairs = batch.n_pairs();
    const MatrixView<const T> filter = matrix_of(saved.filter, F);
    const BasisWindowView<T> window = pair_window(geom, n_pairs, "cfconv_bwd");
    {
        const PhaseScope phase("conv gather");
        for_each_dynamic(host, batch.n_atoms(),
                         ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair),
                                       dL_dy, filter, span_of(geom.fc), dL_dxin});
    }
    const bool want_grads = grads.any(), want_r = dL_dr.data != nullptr;
    if (!want_grads && !want_r) return;

    const index_t n_tiles = (n_pairs + kPairTile - 1) / kPairTile;
    const index_t n_groups = (n_tiles + kTilesPerGroup - 1) / kTilesPerGroup;
    // per group: dW1 (K, F), db1 (F), dW2 (F, F), db2 (F)
    const std::size_t part = std::size_t(K) * F + std::size_t(F) * F + 2 * std::size_t(F);
    std::vector<T>& partial = detail::group_partials<T>(want_grads ? part * std::size_t(n_groups) : 0);
    PackedRhs<T> W2t;  // W2^T packed once, read by every tile
    W2t.pack(fp.W2, true);

    {
        // (counted: the GEMMs dL/dh1 and, with parameter gradients, dW2)
        const PhaseScope phase("filter network (pair tiles)", (want_grads ? 4.0 : 2.0) * double(n_pairs) * F * F, true);
        for_each_block(host, n_groups, [&](index_t g) {
            T* const base = want_grads ? partial.data() + part * std::size_t(g) : nullptr;
            if (base) std::fill(base, base + part, T(0));
            T* const gW1 = base;
            T* const gb1 = base ? base + std::size_t(K) * F : nullptr;
            T* const gW2 = base ? gb1 + F : nullptr;
            T* const gb2 = base ? gW2 + std::size_t(F) * F : nullptr;
            std::vector<T>& G = detail::tile_scratch<T>(0, std::size_t(kPairTile) * F);   // dL/do
            std::vector<T>& S = detail::tile_scratch<T>(1, std::size_t(kPairTile) * F);   // a1
            std::vector<T>& H = detail::tile_scratch<T>(2, std::size_t(kPairTile) * F);   // ssp(a1)
            std::vector<T>& dH = detail::tile_scratch<T>(3, std::size_t(kPairTile) * F);  // dL/dh1, then dL/da1
            const index_t t_end = std::min(n_tiles, (g + 1) * kTilesPerGroup);
            for (index_t t = g * kTilesPerGroup; t < t_end; ++t) {
                const index_t p0 = t * kPairTile, rows = std::min(kPairTile, n_pairs - p0);
                // dL/do of the tile's rows (and the cutoff's share of dL/dr)
                const FilterOutputGrad<T> out_grad{span_of(batch.pair_edge), span_of(batch.centers), span_of(batch.neighbors),
                                                   xin, dL_dy, filter, span_of(geom.fc), span_of(geom.dfc_dr),
                                                   {G.data(), rows, F}, dL_dr, p0};
                for (index_t p = p0; p < p0 + rows; ++p) out_grad(p);
                // recompute a1; dL/dh1 = dL/do W2^T; then dL/da1 = ssp'(a1) dL/dh1 in place, with
                // h1 = ssp(a1) only when dW2 needs it
                const FilterFirstLayer<T> layer1{window, fp.W1, fp.b1, {S.data(), rows, F}, p0};
                for (index_t p = p0; p < p0 + rows; ++p) layer1(p);
                tile_gemm(rows, GemmLhs<T>{G.data(), F}, W2t.view(), dH.data(), F, GemmInit::Zero);
                detail::for_each_chunk(Host{1}, rows * F, [&](index_t k0, index_t m) {
                    detail::activation_chunk<T>(Activation::ShiftedSoftplus, S.data() + k0, m,
                                                want_grads ? H.data() + k0 : nullptr, nullptr, dH.data() + k0,
                                                dH.data() + k0);
                });
                if (want_grads) {
                    // dW2 += h1^T dL/do
                    tile_gemm(F, GemmLhs<T>{H.data(), F, true}, rhs_rows(MatrixView<const T>{G.data(), rows, F}),
                              gW2, F, GemmInit::Accumulate);
                    add_column_sums(MatrixView<const T>{G.data(), rows, F}, gb2);
                }
                // dW1 row by row where the kernel exists (window_grad_host.hpp), else per pair here
                constexpr bool dW1_by_rows = std::is_same_v<T, float> && kWindowGradKernel;
                const FilterFirstLayerBwd<T> layer1_bwd{window, fp.W1, {dH.data(), rows, F}, dL_dr,
                                                        dW1_by_rows ? nullptr : gW1, gb1, p0};
                for (index_t p = p0; p < p0 + rows; ++p) layer1_bwd(p);
                if constexpr (dW1_by_rows)
                    if (gW1) window_weight_grad_tile(window, p0, rows, dH.data(), F, gW1, K);
            }
        });
    }
    if (!want_grads) return;
    const PhaseScope reduce_phase("filter gradient sums");
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
