// The continuous-filter convolution with a tabulated filter (filter_table.hpp): the compressed
// companion of cfconv_fwd / cfconv_bwd (cfconv.hpp), for inference only.
//
//   forward   per pair p: o_p = p(r_p), o'_p = p'(r_p) from the table (stored, (n_pairs, F) each,
//             o_p in CfconvSaved::filter where the exact forward keeps it), then the same conv
//             y_i = sum over edges e = i -> j of xin_j * o_pair(e) fc_pair(e)   (ConvGather)
//   backward  dL/dxin by the same gather with dL/dy (as cfconv_bwd), and per pair
//             dL/dr_p += sum_c dL/dw_p,c (o'_p,c fc_p + o_p,c fc'_p),  dL/dw_p = dy_i xin_j + dy_j xin_i
//             in one pass: no filter layers, no tiles, no parameter gradients.
// Since o' is p's exact derivative, dL/dr is the exact gradient of the compressed model.
// cfconv_table_bwd is also the backward of the exact network's energies-and-forces forward
// (cfconv_fwd with for_forces, cfconv.hpp), which keeps the network's own o' the same way.
// Every functor writes only its own pair's or atom's outputs: deterministic for any thread count.
#pragma once
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/filter_table.hpp"

namespace eipnn {

// o_p and o'_p of pair p from the table.   per pair p
template <class T>
struct FilterTableLookup {
    FilterTableView<T> table;
    Span<const double> r;     // (n_pairs)
    MatrixView<T> filter;     // (n_pairs, F) out: o
    MatrixView<T> filter_dr;  // (n_pairs, F) out: o'

    EIPNN_HD void operator()(index_t p) const { table.eval(r[p], filter.row(p), filter_dr.row(p)); }
};

// dL/dr_p += sum_c (dy_i xin_j + dy_j xin_i)_c (o'_c fc + o_c fc')   per pair p (edge i -> j)
template <class T>
struct FilterTablePairGrad {
    Span<const index_t> pair_edge, centers, neighbors;
    MatrixView<const T> xin, dL_dy;          // (n_atoms, F)
    MatrixView<const T> filter, filter_dr;   // (n_pairs, F) o, o'
    Span<const T> fc, dfc_dr;                // (n_pairs)
    Span<T> dL_dr;                           // (n_pairs) accumulated

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = filter.cols, e = pair_edge[p], i = centers[e], j = neighbors[e];
        const T *dyi = dL_dy.row(i), *dyj = dL_dy.row(j), *xi = xin.row(i), *xj = xin.row(j);
        const T *o = filter.row(p), *od = filter_dr.row(p);
        const T f = fc[p], fp = dfc_dr[p];
        T acc[kDotLanes] = {};  // lane-wise partial sums, as dot_lanes_add (vectorises without -ffast-math)
        index_t c = 0;
        for (; c + kDotLanes <= F; c += kDotLanes)
            for (int l = 0; l < kDotLanes; ++l) {
                const index_t q = c + l;
                acc[l] += (dyi[q] * xj[q] + dyj[q] * xi[q]) * (od[q] * f + o[q] * fp);
            }
        for (; c < F; ++c) acc[0] += (dyi[c] * xj[c] + dyj[c] * xi[c]) * (od[c] * f + o[c] * fp);
        dL_dr[p] += sum_lanes(acc);
    }
};

// y (n_atoms, F) from xin through the table; saves o and o' (the pairs' basis window is not read:
// the second-order passes, which need it, refuse a tabulated forward).
template <class T>
void cfconv_table_fwd(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom,
                      const FilterTable<T>& table, MatrixView<const T> xin, CfconvSaved<T>& saved, MatrixView<T> y) {
    const index_t F = table.F, P = batch.n_pairs();
    if (F != xin.cols)
        throw Error(str("the filter table has ", F, " channels, the features ", xin.cols), "cfconv_table_fwd",
                    "build the table from this model (SchNet::compress_filters)");
    saved.filter.resize(std::size_t(P) * F);
    saved.filter_dr.resize(std::size_t(P) * F);
    saved.tabulated = saved.filter_dr_kept = true;
    for_each(host, P,
             FilterTableLookup<T>{table.view(), span_of(geom.r), matrix_of(saved.filter, F), matrix_of(saved.filter_dr, F)});
    for_each_dynamic(host, batch.n_atoms(),
                     ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair), xin,
                                   matrix_of(std::as_const(saved.filter), F), span_of(geom.fc), y});
}

// From dL/dy: dL/dxin (written) and dL/dr per pair (accumulated; skipped when dL_dr.data is null).
template <class T>
void cfconv_table_bwd(const Host& host, const GraphBatchView& batch, const PairGeometry<T>& geom, MatrixView<const T> xin,
                      const CfconvSaved<T>& saved, MatrixView<const T> dL_dy, MatrixView<T> dL_dxin, Span<T> dL_dr) {
    const index_t F = xin.cols;
    const MatrixView<const T> filter = matrix_of(saved.filter, F), filter_dr = matrix_of(saved.filter_dr, F);
    {
        const PhaseScope phase("conv gather");
        for_each_dynamic(host, batch.n_atoms(),
                         ConvGather<T>{span_of(batch.offsets), span_of(batch.neighbors), span_of(batch.edge_pair),
                                       dL_dy, filter, span_of(geom.fc), dL_dxin});
    }
    if (!dL_dr.data) return;
    const PhaseScope phase("filter derivative (pairs)");
    for_each(host, batch.n_pairs(),
             FilterTablePairGrad<T>{span_of(batch.pair_edge), span_of(batch.centers), span_of(batch.neighbors), xin, dL_dy,
                                    filter, filter_dr, span_of(geom.fc), span_of(geom.dfc_dr), dL_dr});
}

}  // namespace eipnn
