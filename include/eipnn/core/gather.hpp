// out.row(k) = in.row(index[k]): reorders rows through an index, on either backend.
#pragma once
#include "eipnn/core/view.hpp"

namespace eipnn {

template <class T>
struct GatherRows {
    Span<const index_t> index;   // (n_rows)
    MatrixView<const T> in;      // (n_rows, width)
    MatrixView<T> out;           // (n_rows, width)

    EIPNN_HD void operator()(index_t k) const {
        const index_t src = index[k];
        for (index_t c = 0; c < in.cols; ++c) out(k, c) = in(src, c);
    }
};

}  // namespace eipnn
