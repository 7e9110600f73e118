// Per-index bodies around the dense layers' GEMMs, portable (no Eigen): the bias add of the
// forward and the bias gradient (column sums) of the backward. The GEMMs themselves are Eigen on
// the host (dense.hpp) and cuBLAS on the device (kernels/eipnn/cuda/backend.cuh).
#pragma once
#include "eipnn/core/view.hpp"

namespace eipnn {

// Y.row(r) += b   per row r; Y (n, out), b (1, out)
template <class T>
struct AddBiasRows {
    MatrixView<T> Y;
    MatrixView<const T> b;

    EIPNN_HD void operator()(index_t r) const {
        T* y = Y.row(r);
        for (index_t c = 0; c < Y.cols; ++c) y[c] += b(0, c);
    }
};

// db(0, c) += sum over rows of dY(r, c), rows in order (deterministic)   per column c
template <class T>
struct ColumnSumAdd {
    MatrixView<const T> dY;  // (n, out)
    MatrixView<T> db;        // (1, out)

    EIPNN_HD void operator()(index_t c) const {
        T acc = 0;
        for (index_t r = 0; r < dY.rows; ++r) acc += dY(r, c);
        db(0, c) += acc;
    }
};

// y[k] += x[k]   (a residual connection, forward or backward)
template <class T>
struct AddInPlace {
    Span<T> y;
    Span<const T> x;

    EIPNN_HD void operator()(index_t k) const { y[k] += x[k]; }
};

}  // namespace eipnn
