// The GEMM kernel of the host's pair tiles and atom-layer blocks: C (m, n) = init + op(A) B with
// A row-major, op(A) = A or A^T, and B a weight matrix (or its transpose) packed into column
// panels once per call, or a row-major matrix as it lies. A hand-written register-blocked kernel
// for float where the compiler targets AVX-512; the caller, tile_gemm in dense.hpp, takes Eigen's
// GEMM otherwise (double, and builds without AVX-512).
//
// Why not Eigen everywhere: a tile's product is small (256 x 128 by 128 x 128) and one of many
// with the same B, but Eigen's GEMM packs B (the whole weight matrix) and A into its panel layouts
// on every call, and an assignment `C = A B` zeroes C before accumulating. Here B is packed once
// per layer call into column panels (PackedRhs), A's elements are broadcast from where they lie
// (no packing), and the accumulators start from zero, from C or from a bias row. Packing B
// matters: a 64-column panel of a row-major 128-column matrix has its rows 512 bytes apart and
// uses half of L1's sets. build/bench/bench_tile_kernels times each product beside Eigen's.
//
// Order of the sums: every C element is init + the sum over k in order, one FMA per term, for
// any m, n and thread count.
#pragma once
#include <algorithm>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "eipnn/core/view.hpp"

namespace eipnn {

// What C's accumulators start from.
enum class GemmInit {
    Zero,        // C = A B
    Accumulate,  // C += A B
    BiasRows,    // C = bias + A B, bias (n) added to every row
};

namespace detail {
#if defined(__AVX512F__)
inline constexpr bool kTileGemmKernel = true;
#else
inline constexpr bool kTileGemmKernel = false;
#endif
}  // namespace detail

// op(A) (m, k) for tile_gemm, of a row-major A with row stride lda: A itself, or when transposed
// A^T of A (k, m), as in a weight gradient h^T dL/do.
template <class T>
struct GemmLhs {
    const T* data;
    index_t lda;
    bool transposed = false;
};

// B (k, n) for tile_gemm as the kernel reads it: row q of column panel j0 / kPanel starts at
// data + (j0 / kPanel) panel_step + q ldb. A row-major matrix is such a view as it lies
// (rhs_rows); PackedRhs makes each panel contiguous.
template <class T>
struct GemmRhs {
    static constexpr index_t kPanel = 64;
    const T* data;
    index_t k, n, ldb, panel_step;
};

// A row-major B (k, n) with row stride ldb, read where it lies: for a B used once (a tile's
// dL/do), where packing would cost a pass over it.
template <class T>
GemmRhs<T> rhs_rows(MatrixView<const T> B) {
    return {B.data, B.rows, B.cols, B.cols, GemmRhs<T>::kPanel};
}

// op(W) = W or W^T of a row-major W, packed once and read by many tiles. With the kernel (float,
// AVX-512): column panels of kPanel columns, each (k, kPanel) contiguous and zero-padded past n,
// so a panel's rows are consecutive in memory (32 KB for k = 128). Otherwise op(W) row-major.
template <class T>
struct PackedRhs {
    static constexpr bool kPanels = std::is_same_v<T, float> && detail::kTileGemmKernel;
    static constexpr index_t kPanel = GemmRhs<T>::kPanel;
    std::vector<T> data;
    index_t k = 0, n = 0;

    void pack(MatrixView<const T> W, bool transpose) {
        k = transpose ? W.cols : W.rows;
        n = transpose ? W.rows : W.cols;
        const index_t width = kPanels ? kPanel : n, n_panels = kPanels ? (n + kPanel - 1) / kPanel : 1;
        data.resize(std::size_t(n_panels) * k * width);
        for (index_t p = 0; p < n_panels; ++p) {
            const index_t j0 = p * width, w = std::min(width, n - j0);
            for (index_t q = 0; q < k; ++q) {
                T* dst = data.data() + (std::size_t(p) * k + q) * width;
                if (transpose)
                    for (index_t l = 0; l < w; ++l) dst[l] = W(j0 + l, q);
                else
                    std::copy(W.row(q) + j0, W.row(q) + j0 + w, dst);
                std::fill(dst + w, dst + width, T(0));
            }
        }
    }
    GemmRhs<T> view() const {
        return kPanels ? GemmRhs<T>{data.data(), k, n, kPanel, k * kPanel} : GemmRhs<T>{data.data(), k, n, n, kPanel};
    }
};

namespace detail {

#if defined(__AVX512F__)
inline constexpr int kGemmRowsPerBlock = 6;  // 6 rows x 4 vectors = 24 accumulators of 32 zmm

// C's rows [0, MR) and columns [0, 16 NV) (the last vector masked by `last`) from op(A)'s rows
// [0, MR) over the depth k: op(A)(i, q) = A[i a_i + q a_q], B's row q at P + q ldb.
template <int MR, int NV>
__attribute__((always_inline)) inline void gemm_block_f32(const float* A, index_t a_i, index_t a_q, index_t k,
                                                          const float* P, index_t ldb, float* C, index_t ldc,
                                                          __mmask16 last, GemmInit init, const float* bias) {
    __m512 c[MR][NV];
    for (int v = 0; v < NV; ++v) {
        const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xFFFF);
        const __m512 b0 = init == GemmInit::BiasRows ? _mm512_maskz_loadu_ps(mask, bias + 16 * v) : _mm512_setzero_ps();
        for (int i = 0; i < MR; ++i)
            c[i][v] = init == GemmInit::Accumulate ? _mm512_maskz_loadu_ps(mask, C + i * ldc + 16 * v) : b0;
    }
    for (index_t q = 0; q < k; ++q) {
        __m512 b[NV];
        for (int v = 0; v < NV; ++v)
            b[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(last, P + q * ldb + 16 * v) : _mm512_loadu_ps(P + q * ldb + 16 * v);
        for (int i = 0; i < MR; ++i) {
            const __m512 a = _mm512_set1_ps(A[i * a_i + q * a_q]);
            for (int v = 0; v < NV; ++v) c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
        }
    }
    for (int i = 0; i < MR; ++i)
        for (int v = 0; v < NV; ++v) {
            if (v == NV - 1) _mm512_mask_storeu_ps(C + i * ldc + 16 * v, last, c[i][v]);
            else _mm512_storeu_ps(C + i * ldc + 16 * v, c[i][v]);
        }
}

// All rows against one panel: blocks of MR rows, then one block of the remaining rows.
template <int NV>
void gemm_panel_f32(index_t m, index_t k, const float* A, index_t a_i, index_t a_q, const float* P, index_t ldb,
                    float* C, index_t ldc, __mmask16 last, GemmInit init, const float* bias) {
    constexpr int MR = kGemmRowsPerBlock;
    index_t r = 0;
    for (; r + MR <= m; r += MR)
        gemm_block_f32<MR, NV>(A + r * a_i, a_i, a_q, k, P, ldb, C + r * ldc, ldc, last, init, bias);
    const float* Ar = A + r * a_i;
    float* Cr = C + r * ldc;
    switch (m - r) {
        case 0: break;
        case 1: gemm_block_f32<1, NV>(Ar, a_i, a_q, k, P, ldb, Cr, ldc, last, init, bias); break;
        case 2: gemm_block_f32<2, NV>(Ar, a_i, a_q, k, P, ldb, Cr, ldc, last, init, bias); break;
        case 3: gemm_block_f32<3, NV>(Ar, a_i, a_q, k, P, ldb, Cr, ldc, last, init, bias); break;
        case 4: gemm_block_f32<4, NV>(Ar, a_i, a_q, k, P, ldb, Cr, ldc, last, init, bias); break;
        default: gemm_block_f32<5, NV>(Ar, a_i, a_q, k, P, ldb, Cr, ldc, last, init, bias); break;
    }
}

// Depth in chunks of kGemmDepthChunk, panels outer within a chunk, so that a panel's chunk (32 KB)
// stays in L1 while all of op(A)'s row blocks pass it; C is stored after a chunk and reloaded by
// the next (exact: the accumulators are floats either way), so the sums keep their order. op(A) =
// A^T is read in place: a block's MR elements of one depth step are consecutive floats.
inline constexpr index_t kGemmDepthChunk = 128;

inline void tile_gemm_f32(index_t m, GemmLhs<float> A, GemmRhs<float> B, float* C, index_t ldc, GemmInit init,
                          const float* bias) {
    constexpr index_t NR = GemmRhs<float>::kPanel;
    const index_t a_i = A.transposed ? 1 : A.lda, a_q = A.transposed ? A.lda : 1;
    for (index_t q0 = 0; q0 == 0 || q0 < B.k; q0 += kGemmDepthChunk) {
        const index_t kc = std::min(kGemmDepthChunk, B.k - q0);
        const GemmInit start = q0 == 0 ? init : GemmInit::Accumulate;
        const float* Aq = A.data + q0 * a_q;
        for (index_t j = 0; j < B.n; j += NR) {
            const index_t w = std::min(NR, B.n - j), nv = (w + 15) / 16, tail = w - 16 * (nv - 1);
            const __mmask16 last = __mmask16((1u << tail) - 1u);
            const float* P = B.data + (j / NR) * B.panel_step + q0 * B.ldb;
            const float* bias_j = bias ? bias + j : nullptr;
            switch (nv) {
                case 1: gemm_panel_f32<1>(m, kc, Aq, a_i, a_q, P, B.ldb, C + j, ldc, last, start, bias_j); break;
                case 2: gemm_panel_f32<2>(m, kc, Aq, a_i, a_q, P, B.ldb, C + j, ldc, last, start, bias_j); break;
                case 3: gemm_panel_f32<3>(m, kc, Aq, a_i, a_q, P, B.ldb, C + j, ldc, last, start, bias_j); break;
                default: gemm_panel_f32<4>(m, kc, Aq, a_i, a_q, P, B.ldb, C + j, ldc, last, start, bias_j); break;
            }
        }
    }
}
#endif

}  // namespace detail

}  // namespace eipnn
