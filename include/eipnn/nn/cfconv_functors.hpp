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

// Columns per chunk in window_rows_combine: a chunk's sums live in a local array (registers).
inline constexpr index_t kRowChunk = 32;

// out[c] = init[c] (0 when init is null) + sum over q < nk of coef(q) W(k0 + q, c), c < W.cols:
// a pair's first filter layer (or its tangent) on its Gaussian window. The columns go kRowChunk
// at a time, each chunk summed over the whole window in a local array, so that out is written
// once instead of loaded and stored for every q (twice as fast on the host); each element's sum
// is the same, in the same order, as a row-at-a-time update.
template <class T, class Coef>
EIPNN_HD void window_rows_combine(const T* init, MatrixView<const T> W, index_t k0, index_t nk, const Coef& coef,
                                  T* out) {
    const index_t F = W.cols;
    index_t c0 = 0;
    for (; c0 + kRowChunk <= F; c0 += kRowChunk) {
        T acc[kRowChunk];
        for (index_t l = 0; l < kRowChunk; ++l) acc[l] = init ? init[c0 + l] : T(0);
        for (index_t q = 0; q < nk; ++q) {
            const T v = coef(q);
            const T* w = W.row(k0 + q) + c0;
            for (index_t l = 0; l < kRowChunk; ++l) acc[l] += v * w[l];
        }
        for (index_t l = 0; l < kRowChunk; ++l) out[c0 + l] = acc[l];
    }
    for (index_t c = c0; c < F; ++c) {
        T acc = init ? init[c] : T(0);
        for (index_t q = 0; q < nk; ++q) acc += coef(q) * W(k0 + q, c);
        out[c] = acc;
    }
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
        const BasisWindowView<T>& win = window;
        window_rows_combine(b1.row(0), W1, win.first[p], win.count[p], [&](index_t q) { return win.value(p, q); },
                            a1.row(p - row0));
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

// ---- second order (force training; cfconv_second.hpp) -----------------------------------------
// The forward's tangent along per-pair distance tangents r_dot (n_pairs) and the second backward.
// Notation: a1 = b1 + rbf W1 (filter's first layer), h1 = ssp(a1), o = h1 W2 + b2, w = o fc;
// tangents a1_dot = r_dot rbf' W1, h1_dot = ssp'(a1) a1_dot, o_dot = h1_dot W2,
// w_dot = o_dot fc + o fc' r_dot. D_* are the first (force) backward's adjoints.

// a1_dot.row(p - row0) = r_dot_p sum over k in window(r_p) of rbf_k'(r_p) W1.row(k)   per pair p
template <class T>
struct FilterFirstLayerTangent {
    BasisWindowView<T> window;
    MatrixView<const T> W1;    // (K, F)
    Span<const T> r_dot;       // (n_pairs)
    MatrixView<T> a1_dot;      // (rows, F)
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const BasisWindowView<T>& win = window;
        const T rd = r_dot[p];
        window_rows_combine(static_cast<const T*>(nullptr), W1, win.first[p], win.count[p],
                            [&](index_t q) { return win.d_dr(p, q) * rd; }, a1_dot.row(p - row0));
    }
};

// w_dot.row(p) = o_dot.row(p - row0) fc_p + o.row(p) fc'_p r_dot_p   per pair p
template <class T>
struct FilterTangentOut {
    MatrixView<const T> o_dot;   // (rows, F) tile
    MatrixView<const T> filter;  // (n_pairs, F) o
    Span<const T> fc, dfc_dr, r_dot;
    MatrixView<T> w_dot;         // (n_pairs, F) out
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const T* od = o_dot.row(p - row0);
        const T* o = filter.row(p);
        T* wd = w_dot.row(p);
        const T f = fc[p], g = dfc_dr[p] * r_dot[p];
        for (index_t c = 0; c < w_dot.cols; ++c) wd[c] = od[c] * f + o[c] * g;
    }
};

// out_i = sum over edges e of i of [a_{nbr(e)} * o_{pair(e)} fc_{pair(e)} + b_{nbr(e)} * w2_{pair(e)}]
// (n_atoms, F); either source may be null (skipped). With (a, b) = (xin_dot, xin) and w2 = w_dot it
// is the conv's tangent y_dot; with (dL/dy, D/dy) and w_dot, the second backward's dL/dxin.
template <class T>
struct ConvGatherPair {
    Span<const index_t> offsets, neighbors, edge_pair;
    MatrixView<const T> a;       // (n_atoms, F) or null
    MatrixView<const T> filter;  // (n_pairs, F) o
    Span<const T> fc;            // (n_pairs)
    MatrixView<const T> b;       // (n_atoms, F) or null
    MatrixView<const T> w2;      // (n_pairs, F)
    MatrixView<T> out;           // (n_atoms, F)

    EIPNN_HD void operator()(index_t i) const {
        const index_t F = out.cols;
        T* acc = out.row(i);
        for (index_t c = 0; c < F; ++c) acc[c] = T(0);
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const index_t p = edge_pair[e], j = neighbors[e];
            if (a.data) {
                const T* s = a.row(j);
                const T* w = filter.row(p);
                const T f = fc[p];
                for (index_t c = 0; c < F; ++c) acc[c] += s[c] * (w[c] * f);
            }
            if (b.data) {
                const T* s = b.row(j);
                const T* w = w2.row(p);
                for (index_t c = 0; c < F; ++c) acc[c] += s[c] * w[c];
            }
        }
    }
};

// The filter's output adjoints of the second backward, per pair (both directions share it):
//   dL/dw = dL/dy_i xin_j + dL/dy_j xin_i + D/dy_i xin_dot_j + D/dy_j xin_dot_i
//   dL/dw_dot = D/dy_i xin_j + D/dy_j xin_i
//   dL/do = dL/dw fc + dL/dw_dot fc' r_dot,   dL/do_dot = dL/dw_dot fc
template <class T>
struct FilterOutputGradSecond {
    Span<const index_t> pair_edge, centers, neighbors;
    MatrixView<const T> xin, xin_dot;  // (n_atoms, F); xin_dot may be null (zero)
    MatrixView<const T> dL_dy, D_dy;   // (n_atoms, F)
    Span<const T> fc, dfc_dr, r_dot;   // (n_pairs)
    MatrixView<T> dL_do, dL_do_dot;    // (rows, F) out, row p - row0
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = xin.cols, e = pair_edge[p], i = centers[e], j = neighbors[e];
        const T *gi = dL_dy.row(i), *gj = dL_dy.row(j), *Di = D_dy.row(i), *Dj = D_dy.row(j);
        const T *xi = xin.row(i), *xj = xin.row(j);
        T* go = dL_do.row(p - row0);
        T* god = dL_do_dot.row(p - row0);
        const T f = fc[p], g = dfc_dr[p] * r_dot[p];
        for (index_t c = 0; c < F; ++c) {
            const T dw_dot = Di[c] * xj[c] + Dj[c] * xi[c];
            const T dw = gi[c] * xj[c] + gj[c] * xi[c];
            go[c] = dw * f + dw_dot * g;
            god[c] = dw_dot * f;
        }
        if (xin_dot.data) {
            const T *xdi = xin_dot.row(i), *xdj = xin_dot.row(j);
            for (index_t c = 0; c < F; ++c) go[c] += (Di[c] * xdj[c] + Dj[c] * xdi[c]) * f;
        }
    }
};

// Back through the first filter layer and its tangent, parameters only (serially over a group's
// pairs, as FilterFirstLayerBwd):
//   dL/dW1.row(k) += rbf_k(r_p) dL/da1 + rbf_k'(r_p) r_dot_p D/da1_dot,  dL/db1 += dL/da1
template <class T>
struct FilterFirstLayerBwdSecond {
    BasisWindowView<T> window;
    MatrixView<const T> dL_da1, D_da1;  // (rows, F): the second pass's dL/da1, dL/da1_dot
    Span<const T> r_dot;                // (n_pairs)
    T* dW1 = nullptr;                   // (K, F) accumulated
    T* db1 = nullptr;                   // (F) accumulated
    index_t row0 = 0;

    EIPNN_HD void operator()(index_t p) const {
        const index_t F = dL_da1.cols;
        const T* da = dL_da1.row(p - row0);
        const T* dd = D_da1.row(p - row0);
        const index_t k0 = window.first[p], nk = window.count[p];
        const T rd = r_dot[p];
        for (index_t k = k0; k < k0 + nk; ++k) {
            const T v = window.value(p, k - k0), dv = window.d_dr(p, k - k0) * rd;
            T* gw = dW1 + k * F;
            for (index_t c = 0; c < F; ++c) gw[c] += v * da[c] + dv * dd[c];
        }
        for (index_t c = 0; c < F; ++c) db1[c] += da[c];
    }
};

}  // namespace eipnn
