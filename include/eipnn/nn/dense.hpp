// Dense layer y = x W + b, written once for every backend (core/backend.hpp): the GEMMs are the
// backend's gemm, the bias bodies dense_functors.hpp's. This file also holds the Host backend's
// gemm (the device's is cuBLAS, kernels/eipnn/cuda/backend.cuh): tile_gemm, which is
// tile_gemm.hpp's kernel for float on AVX-512 hosts and Eigen's GEMM on maps of the flat
// parameter buffer otherwise. W is stored (in, out) row-major, so a layer reads x rows and
// writes y rows without transposes (PyTorch's nn.Linear keeps weight = W^T). float and double.
//
// Host threads: the output rows are cut into blocks of a fixed size (never a function of the
// thread count), each block one tile_gemm, so the result is bit-identical for 1 and N threads.
#pragma once
#include <algorithm>
#include <type_traits>

// eipnn cuts every GEMM into fixed row blocks and runs the blocks on the Host backend's threads
// (deterministic, and no nested or competing thread pools); Eigen's own GEMM threading would
// spin-wait in tiny parallel regions around every tile product. Define before any Eigen include
// to keep Eigen's threading in a program that wants it for other work.
#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
#include <Eigen/Core>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/error.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/nn/dense_functors.hpp"
#include "eipnn/nn/tile_gemm.hpp"

namespace eipnn {

template <class T>
using EigenRowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowMap = Eigen::Map<EigenRowMajor<T>>;
template <class T>
using ConstRowMap = Eigen::Map<const EigenRowMajor<T>>;

template <class T>
RowMap<T> eigen_map(MatrixView<T> m) { return RowMap<T>(m.data, m.rows, m.cols); }
template <class T>
ConstRowMap<T> eigen_map(MatrixView<const T> m) { return ConstRowMap<T>(m.data, m.rows, m.cols); }

// dst = lhs rhs, or dst += lhs rhs, for Eigen matrices and maps, never through Eigen's coefficient-
// based ("lazy") product. Why: Eigen evaluates a product with rows + cols + depth below
// EIGEN_GEMM_TO_COEFFBASED_THRESHOLD coefficient by coefficient, vectorised over dst from its first
// aligned address on; the coefficients before that address are summed in another order (and
// without fused multiply-adds) than the rest, so the last bits depend on where dst lies on the
// heap, which changes from run to run once several threads allocate. Larger products go through
// Eigen's GEMM and GEMV kernels, which load and store unaligned throughout and do not depend on
// it. Small products here are a plain loop over the depth, in order.
template <class Dst, class Lhs, class Rhs>
void multiply_into(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
    if (lhs.rows() + lhs.cols() + rhs.cols() < EIGEN_GEMM_TO_COEFFBASED_THRESHOLD) {
        using T = typename std::decay_t<Dst>::Scalar;
        for (Eigen::Index i = 0; i < lhs.rows(); ++i)
            for (Eigen::Index j = 0; j < rhs.cols(); ++j) {
                T sum = 0;
                for (Eigen::Index k = 0; k < lhs.cols(); ++k) sum += lhs(i, k) * rhs(k, j);
                dst(i, j) = accumulate ? dst(i, j) + sum : sum;
            }
        return;
    }
    if (accumulate) dst.noalias() += lhs * rhs;
    else dst.noalias() = lhs * rhs;
}

// C (m, B.n) = init + op(A) B; op(A) (m, B.k), C with row stride ldc. bias (B.n) is read with
// GemmInit::BiasRows only. C must not overlap A or B. The kernel of tile_gemm.hpp where it
// exists, Eigen's GEMM otherwise.
template <class T>
void tile_gemm(index_t m, GemmLhs<T> A, GemmRhs<T> B, T* C, index_t ldc, GemmInit init, const T* bias = nullptr) {
    if constexpr (PackedRhs<T>::kPanels) {
#if defined(__AVX512F__)
        detail::tile_gemm_f32(m, A, B, C, ldc, init, bias);
#endif
    } else {
        using StridedMap = Eigen::Map<EigenRowMajor<T>, 0, Eigen::OuterStride<>>;
        using ConstStridedMap = Eigen::Map<const EigenRowMajor<T>, 0, Eigen::OuterStride<>>;
        StridedMap c(C, m, B.n, Eigen::OuterStride<>(ldc));
        if (init == GemmInit::BiasRows) c.rowwise() = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias, B.n);
        const ConstStridedMap b(B.data, B.k, B.n, Eigen::OuterStride<>(B.ldb));
        const bool acc = init != GemmInit::Zero;
        if (A.transposed)
            multiply_into(c, ConstStridedMap(A.data, B.k, m, Eigen::OuterStride<>(A.lda)).transpose(), b, acc);
        else
            multiply_into(c, ConstStridedMap(A.data, m, B.k, Eigen::OuterStride<>(A.lda)), b, acc);
    }
}

inline constexpr index_t kGemmRowBlock = 64;

namespace detail {

// C = op(A) B (+ C when accumulate), op(A) = A or A^T; C (m, n), B (k, n).
template <class T>
void host_gemm_nn_tn(const Host& host, MatrixView<const T> A, bool transpose_a, MatrixView<const T> B, MatrixView<T> C,
                     bool accumulate) {
    const index_t m = C.rows;
    const PhaseScope phase("atom-layer GEMMs", 2.0 * double(m) * double(C.cols) * double(B.rows));
    const index_t n_blocks = (m + kGemmRowBlock - 1) / kGemmRowBlock;
    if (!transpose_a) {
        PackedRhs<T> packed;  // once, read by every block
        packed.pack(B, false);
        for_each_block(host, n_blocks, [&](index_t blk) {
            const index_t r0 = blk * kGemmRowBlock, rows = std::min(kGemmRowBlock, m - r0);
            tile_gemm(rows, GemmLhs<T>{A.row(r0), A.cols}, packed.view(), C.row(r0), C.cols,
                      accumulate ? GemmInit::Accumulate : GemmInit::Zero);
        });
        return;
    }
    for_each_block(host, n_blocks, [&](index_t blk) {
        // rows r0.. of A^T are columns r0.. of A; B as it lies (it is read once per block)
        const index_t r0 = blk * kGemmRowBlock, rows = std::min(kGemmRowBlock, m - r0);
        tile_gemm(rows, GemmLhs<T>{A.data + r0, A.cols, true}, rhs_rows(B), C.row(r0), C.cols,
                  accumulate ? GemmInit::Accumulate : GemmInit::Zero);
    });
}

// C = A B^T (+ C); A (m, k), B (n, k): the input gradient dX = dY W^T.
template <class T>
void host_gemm_nt(const Host& host, MatrixView<const T> A, MatrixView<const T> B, MatrixView<T> C, bool accumulate) {
    const index_t m = C.rows;
    const PhaseScope phase("atom-layer GEMMs", 2.0 * double(m) * double(C.cols) * double(A.cols));
    const index_t n_blocks = (m + kGemmRowBlock - 1) / kGemmRowBlock;
    PackedRhs<T> packed;  // B^T, once, read by every block
    packed.pack(B, true);
    for_each_block(host, n_blocks, [&](index_t blk) {
        const index_t r0 = blk * kGemmRowBlock, rows = std::min(kGemmRowBlock, m - r0);
        tile_gemm(rows, GemmLhs<T>{A.row(r0), A.cols}, packed.view(), C.row(r0), C.cols,
                  accumulate ? GemmInit::Accumulate : GemmInit::Zero);
    });
}

}  // namespace detail

// The Host backend's gemm: C = op(A) op(B) (+ C when accumulate), row-major views; op(A) (m, k),
// op(B) (k, n), C (m, n). Both operands transposed is not needed by any layer and not offered.
template <class T>
void gemm(const Host& host, MatrixView<const T> A, bool transpose_a, MatrixView<const T> B, bool transpose_b,
          MatrixView<T> C, bool accumulate) {
    const index_t a_rows = transpose_a ? A.cols : A.rows, k = transpose_a ? A.rows : A.cols;
    const index_t b_rows = transpose_b ? B.cols : B.rows, b_cols = transpose_b ? B.rows : B.cols;
    if (a_rows != C.rows || b_rows != k || b_cols != C.cols || (transpose_a && transpose_b))
        throw Error(str("shapes do not chain: op(A) (", a_rows, ", ", k, "), op(B) (", b_rows, ", ", b_cols, "), C (",
                        C.rows, ", ", C.cols, ")", transpose_a && transpose_b ? ", both transposed" : ""),
                    "gemm(Host)", "pass matrices with op(A) (m, k), op(B) (k, n), C (m, n), at most one transposed");
    if (transpose_b) detail::host_gemm_nt(host, A, B, C, accumulate);
    else detail::host_gemm_nn_tn(host, A, transpose_a, B, C, accumulate);
}

// dst[c] += sum over rows r of M(r, c), each column summed over rows in order. Row-outer for the
// host's caches; the device runs ColumnSumAdd (one column per thread), same order. Written out
// rather than Eigen's colwise().sum(), whose vectorised assignment sums the columns before dst's
// first aligned address in another order than the rest: the last bits would depend on where dst
// lies on the heap, which differs from run to run when several threads allocate.
template <class T>
void add_column_sums(MatrixView<const T> M, T* dst) {
    for (index_t r = 0; r < M.rows; ++r) {
        const T* row = M.row(r);
        for (index_t c = 0; c < M.cols; ++c) dst[c] += row[c];
    }
}

// db += column sums of dY (the bias gradient). Host: row-outer for the caches; elsewhere one
// column per thread (ColumnSumAdd).
template <class T>
void bias_grad_add(const Host&, MatrixView<const T> dY, MatrixView<T> db) {
    add_column_sums(dY, db.data);
}
template <class B, class T>
void bias_grad_add(const B& b, MatrixView<const T> dY, MatrixView<T> db) {
    for_each(b, db.cols, ColumnSumAdd<T>{dY, db});
}

// Y = X W + b.   X (n, in), W (in, out), b (1, out) or empty (data == nullptr), Y (n, out)
template <class B, class T>
void dense_fwd(const B& be, MatrixView<const T> X, MatrixView<const T> W, MatrixView<const T> b, MatrixView<T> Y) {
    gemm(be, X, false, W, false, Y, false);
    const PhaseScope phase("biases");
    if (b.data) for_each(be, Y.rows, AddBiasRows<T>{Y, b});
}

// dL_dW += X^T dL_dY, dL_db += sum over rows of dL_dY, dL_dX = dL_dY W^T (or += when
// accumulate_dX). Any output with data == nullptr is skipped.
template <class B, class T>
void dense_bwd(const B& be, MatrixView<const T> X, MatrixView<const T> W, MatrixView<const T> dL_dY,
               MatrixView<T> dL_dX, MatrixView<T> dL_dW, MatrixView<T> dL_db, bool accumulate_dX = false) {
    if (dL_dW.data) gemm(be, X, true, dL_dY, false, dL_dW, true);
    if (dL_db.data) {
        const PhaseScope phase("biases");
        bias_grad_add(be, dL_dY, dL_db);
    }
    if (dL_dX.data) gemm(be, dL_dY, false, W, true, dL_dX, accumulate_dX);
}

// ---- second order (force training) ----------------------------------------------------------
// The tangent of Y = X W + b along an input tangent X_dot is Y_dot = X_dot W (the bias is
// constant). The second backward differentiates the forward and its tangent together: from the
// second pass's dL/dY and the first (force) pass's adjoint D/dY of the same output,
//   dL/dW += X^T dL/dY + X_dot^T D/dY,  dL/db += colsum dL/dY,  dL/dX (= or +=) dL/dY W^T.
// (D/dX = D/dY W^T was formed by the first pass.) X_dot with data == nullptr is a constant input.
template <class B, class T>
void dense_tangent_fwd(const B& be, MatrixView<const T> X_dot, MatrixView<const T> W, MatrixView<T> Y_dot) {
    gemm(be, X_dot, false, W, false, Y_dot, false);
}

template <class B, class T>
void dense_bwd_second(const B& be, MatrixView<const T> X, MatrixView<const T> X_dot, MatrixView<const T> W,
                      MatrixView<const T> dL_dY, MatrixView<const T> D_dY, MatrixView<T> dL_dX, MatrixView<T> dL_dW,
                      MatrixView<T> dL_db, bool accumulate_dX = false) {
    dense_bwd(be, X, W, dL_dY, dL_dX, dL_dW, dL_db, accumulate_dX);
    if (dL_dW.data && X_dot.data) gemm(be, X_dot, true, D_dY, false, dL_dW, true);
}

}  // namespace eipnn
