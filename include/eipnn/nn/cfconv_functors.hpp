// The per-index bodies of SchNet's continuous-filter convolution (cfconv.hpp), portable: no
// Eigen, no allocation, so the host tiles and the device kernels (kernels/eipnn/cuda/nn_*.cuh)
// run the same arithmetic. Notation as in cfconv.hpp: pair p with edge e = i -> j (e < reverse),
// filter o_p (F) before the cutoff, fc_p the cosine cutoff, w_p = o_p fc_p.
#pragma once
#include "eipnn/core/view.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

// Width of the independent partial sums in the dot products below. A plain `s += a[c] * b[c]`
// is one dependent chain the compiler may not reorder (no -ffast-math), i.e. one FMA per 4
// cycles; kDotLanes separate sums are a vector register's worth the compiler can keep in SIMD.
inline constexpr int kDotLanes = 16;

// sum over c < n of a[c] b[c] scale, added lane-wise into acc (kDotLanes partial sums)
template <class T>
EIPNN_HD void dot_lanes_add(const T* a, const T* b, T scale, index_t n, T* acc) {
    index_t c = 0;
    for (; c + kDotLanes <= n; c += kDotLanes)
        for (int l = 0; l < kDotLanes; ++l) acc[l] += scale * a[c + l] * b[c + l];
    for (; c < n; ++c) acc[0] += scale * a[c] * b[c];
}

template <class T>
EIPNN_HD T sum_lanes(const T* acc) {
    T s = 0;
    for (int l = 0; l < kDotLanes; ++l) s += acc[l];
    return s;
}

// The filter network's parameters (views into the flat buffer, host or device memory).
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

// out_i = sum over edges e of i of src_{nbr(e)} * filter_{pair(e)} * fc_{pair(e)}   (n_atoms, F)
// With src = xin this is the conv's forward; with src = dL/dy it is dL/dxin, because
// pair(e) = pair(reverse(e)) makes the conv's transpose the same gather.
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

// First filter layer of pair p on its Gaussian window only:
//   a1.row(p - row0) = b1 + sum over k in window(r_p) of rbf_k(r_p) W1.row(k)      (F)
// row0 lets the host write a tile of rows [row0, row0 + rows) into a tile buffer.
template <class T>
struct FilterFirstLayer {
    BasisWindowView<T> window;  // rbf_k(r_p) on each pair's window
    MatrixView<const T> W1;    // (K, F)
    MatrixView<const T> b1;    // (1, F)
    MatrixView<T> a1;          // (rows, F)
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = W1.cols;
        T* a = a1.row(p - row0);
        for (index_t c = 0; c < F; ++c) a[c] = b1(0, c);
        const index_t k0 = window.first[p], nk = window.count[p];
        for (index_t q = 0; q < nk; ++q) {
            const T v = window.value(p, q);
            const T* w = W1.row(k0 + q);
            for (index_t c = 0; c < F; ++c) a[c] += v * w[c];
        }
    }
};

// From dL/dy (n_atoms, F) to dL/do_p (the filter before the cutoff) and the cutoff's share of
// dL/dr_p. Both directions of the pair use the same filter:
//   dL/dw_p = dy_i * xin_j + dy_j * xin_i,  dL/do_p = dL/dw_p fc_p,
//   dL/dr_p += (dL/dw_p . o_p) fc'(r_p)                       (when dL_dr.data is not null)
template <class T>
struct FilterOutputGrad {
    Span<const index_t> pair_edge, centers, neighbors;
    MatrixView<const T> xin;     // (n_atoms, F)
    MatrixView<const T> dL_dy;   // (n_atoms, F)
    MatrixView<const T> filter;  // (n_pairs, F) o
    Span<const T> fc, dfc_dr;    // (n_pairs)
    MatrixView<T> dL_do;         // (rows, F) out, row p - row0
    Span<T> dL_dr;               // (n_pairs) accumulated, or null
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = filter.cols, e = pair_edge[p], i = centers[e], j = neighbors[e];
        const T *dyi = dL_dy.row(i), *dyj = dL_dy.row(j), *xi = xin.row(i), *xj = xin.row(j);
        const T* o = filter.row(p);
        T* g = dL_do.row(p - row0);
        const T f = fc[p];
        for (index_t c = 0; c < F; ++c) g[c] = (dyi[c] * xj[c] + dyj[c] * xi[c]) * f;
        if (dL_dr.data) {
            // (dL/dw . o) fc' = (dL/do . o) fc' / fc; recomputing dw keeps fc = 0 pairs exact
            T acc[kDotLanes] = {};
            index_t c = 0;
            for (; c + kDotLanes <= F; c += kDotLanes)
                for (int l = 0; l < kDotLanes; ++l)
                    acc[l] += (dyi[c + l] * xj[c + l] + dyj[c + l] * xi[c + l]) * o[c + l];
            for (; c < F; ++c) acc[0] += (dyi[c] * xj[c] + dyj[c] * xi[c]) * o[c];
            dL_dr[p] += sum_lanes(acc) * dfc_dr[p];
        }
    }
};

// Back through the first filter layer on pair p's window, from dL/da1 (F):
//   dL/dr_p  += sum over k in window of rbf_k'(r_p) (W1.row(k) . dL/da1)   (when dL_dr.data)
//   dL/dW1.row(k) += rbf_k(r_p) dL/da1,  dL/db1 += dL/da1                    (when dW1 / db1)
// The parameter sums are plain +=: call serially over the pairs that share dW1 (a host group).
// On the device dW1 is a GEMM instead and this functor only adds dL/dr.
template <class T>
struct FilterFirstLayerBwd {
    BasisWindowView<T> window;  // rbf_k(r_p) and rbf_k'(r_p) on each pair's window
    MatrixView<const T> W1;     // (K, F)
    MatrixView<const T> dL_da1; // (rows, F), row p - row0
    Span<T> dL_dr;              // (n_pairs) accumulated, or null
    T* dW1 = nullptr;           // (K, F) accumulated, or null
    T* db1 = nullptr;           // (F) accumulated, or null
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = W1.cols;
        const T* da = dL_da1.row(p - row0);
        const index_t k0 = window.first[p], nk = window.count[p];
        T acc[kDotLanes] = {};  // dL/dr as lane-wise partial sums over (k, c)
        for (index_t k = k0; k < k0 + nk; ++k) {
            const T v = window.value(p, k - k0), dv = window.d_dr(p, k - k0);
            if (dW1) {
                T* gw = dW1 + k * F;
                for (index_t c = 0; c < F; ++c) gw[c] += v * da[c];
            }
            if (dL_dr.data) dot_lanes_add(W1.row(k), da, dv, F, acc);
        }
        if (dL_dr.data) dL_dr[p] += sum_lanes(acc);
        if (db1)
            for (index_t c = 0; c < F; ++c) db1[c] += da[c];
    }
};

}  // namespace eipnn
