// Dense layers and activations on the device: the same contract as include/eipnn/nn/dense.hpp
// and activations_host.hpp (W stored (in, out) row-major, Y = X W + b), GEMMs through cuBLAS, the
// bias and activation bodies the host's portable functors (dense_functors.hpp, activations.hpp).
// All pointers in the views are device pointers.
#pragma once
#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/nn_cublas.cuh"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/dense_functors.hpp"

namespace eipnn {

// Y = X W + b.   X (n, in), W (in, out), b (1, out) or empty, Y (n, out)
template <class T>
void dense_fwd(const Cuda& dev, const gpu::CublasHandle& blas, MatrixView<const T> X, MatrixView<const T> W,
               MatrixView<const T> b, MatrixView<T> Y) {
    gpu::gemm(blas, X, false, W, false, Y, false);
    if (b.data) for_each(dev, Y.rows, AddBiasRows<T>{Y, b});
}

// dL_dW += X^T dL_dY, dL_db += column sums of dL_dY, dL_dX = dL_dY W^T (+= when accumulate_dX);
// outputs with data == nullptr are skipped.
template <class T>
void dense_bwd(const Cuda& dev, const gpu::CublasHandle& blas, MatrixView<const T> X, MatrixView<const T> W,
               MatrixView<const T> dL_dY, MatrixView<T> dL_dX, MatrixView<T> dL_dW, MatrixView<T> dL_db,
               bool accumulate_dX = false) {
    if (dL_dW.data) gpu::gemm(blas, X, true, dL_dY, false, dL_dW, true);
    if (dL_db.data) for_each(dev, dL_db.cols, ColumnSumAdd<T>{dL_dY, dL_db});
    if (dL_dX.data) gpu::gemm(blas, dL_dY, false, W, true, dL_dX, accumulate_dX);
}

template <class T>
void activation_fwd(const Cuda& dev, Activation a, Span<const T> pre, Span<T> out) {
    for_each(dev, pre.size, ActivationFwd<T>{a, pre, out});
}

template <class T>
void activation_bwd(const Cuda& dev, Activation a, Span<const T> pre, Span<const T> dL_dout, Span<T> dL_dpre) {
    for_each(dev, pre.size, ActivationBwd<T>{a, pre, dL_dout, dL_dpre});
}

}  // namespace eipnn
