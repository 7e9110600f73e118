// The filter's first-layer weight gradient over one tile of pairs, row by row of dW1:
//   dW1.row(k) += sum over the tile's pairs p with k in window(r_p) of rbf_k(r_p) dL/da1.row(p)
// a product rbf^T dL/da1 whose rbf (rows, K) is a band per row (math/gaussian_basis.hpp).
//
// Why row by row: the per-pair form (FilterFirstLayerBwd) loads and stores each of its window's
// dW1 rows once per pair, F floats each, so it is bound by stores and by dW1 (K x F, larger than
// L1) travelling to L2 and back. Here the tile's pairs are sorted by window start (a counting
// sort), so the pairs whose windows hold Gaussian k are one contiguous run; their dL/da1 rows
// are summed in registers and dW1.row(k) is loaded and stored once per tile. The run moves along
// with k, so the rows it reads stay in L1 (build/bench/bench_tile_kernels times both forms). The
// sum of each dW1 element runs over the pairs in the sorted order: fixed by the tile, not by the
// thread count.
//
// A hand-written AVX-512 kernel for float: written in plain C++, the loop's chunk of sums was kept
// in memory by GCC, not in registers, and ran slower than the per-pair form. Elsewhere callers
// keep the per-pair form.
#pragma once
#include <algorithm>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "eipnn/core/view.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

#if defined(__AVX512F__)
inline constexpr bool kWindowGradKernel = true;

// Rows [p0, p0 + rows) of the pairs; dA (rows, F) row-major; dW (K, F) accumulated. With dD and
// r_dot (force training's second backward) each pair also adds rbf_k'(r_p) r_dot_p dD.row(p - p0):
//   dW1.row(k) += sum over p of rbf_k(r_p) dA.row(p - p0) + rbf_k'(r_p) r_dot_p dD.row(p - p0)
inline void window_weight_grad_tile(const BasisWindowView<float>& win, index_t p0, index_t rows, const float* dA,
                                    index_t F, float* dW, index_t K, const float* dD = nullptr,
                                    const float* r_dot = nullptr) {
    if (rows <= 0) return;
    // counting sort of the tile's pairs by window start (stable: equal starts in pair order); an
    // empty window may start past the basis (a distance beyond it), sorted last as K
    thread_local std::vector<index_t> order, start;
    auto key = [&](index_t r) { return std::size_t(std::min(win.first[p0 + r], K)); };
    order.resize(std::size_t(rows));
    start.assign(std::size_t(K) + 2, 0);
    index_t widest = 0;
    for (index_t r = 0; r < rows; ++r) {
        ++start[key(r) + 1];
        widest = std::max(widest, win.count[p0 + r]);
    }
    for (std::size_t k = 0; k <= std::size_t(K); ++k) start[k + 1] += start[k];
    for (index_t r = 0; r < rows; ++r) order[std::size_t(start[key(r)]++)] = r;

    constexpr int kVectors = 8;  // columns per pass: 8 zmm of sums (masked past F: loads of 0, no stores)
    for (index_t c0 = 0; c0 < F; c0 += 16 * kVectors) {
        __mmask16 mask[kVectors];
        for (int v = 0; v < kVectors; ++v) {
            const index_t n = std::min<index_t>(16, std::max<index_t>(0, F - c0 - 16 * v));
            mask[v] = __mmask16((1u << n) - 1u);
        }
        index_t lo = 0;  // first pair in sorted order whose window may still hold k
        for (index_t k = 0; k < K; ++k) {
            while (lo < rows && win.first[p0 + order[std::size_t(lo)]] + widest <= k) ++lo;
            __m512 acc[kVectors];
            for (int v = 0; v < kVectors; ++v) acc[v] = _mm512_setzero_ps();
            bool any = false;
            for (index_t i = lo; i < rows; ++i) {
                const index_t r = order[std::size_t(i)], p = p0 + r, q = k - win.first[p];
                if (q < 0) break;  // sorted: every later window starts after k
                if (q >= win.count[p]) continue;
                any = true;
                const __m512 c = _mm512_set1_ps(win.value(p, q));
                const float* d = dA + std::size_t(r) * F + c0;
                for (int v = 0; v < kVectors; ++v)
                    acc[v] = _mm512_fmadd_ps(c, _mm512_maskz_loadu_ps(mask[v], d + 16 * v), acc[v]);
                if (dD) {
                    const __m512 c2 = _mm512_set1_ps(win.d_dr(p, q) * r_dot[p]);
                    const float* d2 = dD + std::size_t(r) * F + c0;
                    for (int v = 0; v < kVectors; ++v)
                        acc[v] = _mm512_fmadd_ps(c2, _mm512_maskz_loadu_ps(mask[v], d2 + 16 * v), acc[v]);
                }
            }
            if (!any) continue;
            float* g = dW + std::size_t(k) * F + c0;
            for (int v = 0; v < kVectors; ++v)
                _mm512_mask_storeu_ps(g + 16 * v, mask[v],
                                      _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], g + 16 * v), acc[v]));
        }
    }
}
#else
inline constexpr bool kWindowGradKernel = false;
#endif

}  // namespace eipnn
