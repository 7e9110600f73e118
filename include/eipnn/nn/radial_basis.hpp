// Edge geometry fused with the radial basis: from an edge vector to its distance r, the Gaussian
// expansion rbf_k(r) (math/gaussian_basis.hpp) and the cosine cutoff fc(r) (math/cutoff.hpp), and
// back from dL/d(rbf, fc) to dL/d(edge vector). SchNet multiplies its filters, not the basis, by
// fc, so the layer returns both; cfconv.hpp evaluates the same basis inside its fused tiles, on
// the Gaussians of each distance's window only.
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/math/cutoff.hpp"
#include "eipnn/math/gaussian_basis.hpp"

namespace eipnn {

// Per edge: r, rbf (K values, zero outside the window), fc and dfc/dr.
template <class T>
struct RadialBasisFwd {
    GaussianBasis basis;
    double cutoff;
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<double> r;                    // (n_edges) out
    MatrixView<T> rbf;                 // (n_edges, K) out
    Span<T> fc, dfc_dr;                // (n_edges) out

    EIPNN_HD void operator()(index_t e) const {
        const double d = std::sqrt(vectors(e, 0) * vectors(e, 0) + vectors(e, 1) * vectors(e, 1) +
                                   vectors(e, 2) * vectors(e, 2));
        r[e] = d;
        const ValueDerivative<double> c = cosine_cutoff(d, cutoff);
        fc[e] = T(c.value);
        dfc_dr[e] = T(c.derivative);
        index_t k0, k1;
        basis.window(d, k0, k1);
        for (index_t k = 0; k < basis.count; ++k) rbf(e, k) = T(0);
        for (index_t k = k0; k < k1; ++k) {
            T v, dv;
            basis.eval(k, d, v, dv);
            rbf(e, k) = v;
        }
    }
};

// dL/d(vector_e) = (sum_k dL/drbf_k rbf_k'(r) + dL/dfc fc'(r) + dL/dr) * vector_e / r.
template <class T>
struct RadialBasisBwd {
    GaussianBasis basis;
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> r;              // (n_edges)
    Span<const T> dfc_dr;              // (n_edges)
    MatrixView<const T> dL_drbf;       // (n_edges, K)
    Span<const T> dL_dfc;              // (n_edges)
    MatrixView<T> dL_dvector;          // (n_edges, 3) out

    EIPNN_HD void operator()(index_t e) const {
        index_t k0, k1;
        basis.window(r[e], k0, k1);
        T dL_dr = dL_dfc[e] * dfc_dr[e];
        for (index_t k = k0; k < k1; ++k) {
            T v, dv;
            basis.eval(k, r[e], v, dv);
            dL_dr += dL_drbf(e, k) * dv;
        }
        for (int a = 0; a < 3; ++a) dL_dvector(e, a) = dL_dr * T(vectors(e, a) / r[e]);
    }
};

// The Gaussian window of each pair, evaluated once: the first centre, how many, and the values
// and d/dr of those centres (rows padded to the basis' max_window()). The filter layers read it
// instead of calling exp per (pair, centre) in every pass.
template <class T>
struct BasisWindowView {
    Span<const index_t> first, count;  // (n_pairs)
    MatrixView<const T> value, d_dr;   // (n_pairs, width)
};

template <class T>
struct BasisWindowFwd {
    GaussianBasis basis;
    Span<const double> r;     // (n_pairs)
    Span<index_t> first, count;  // (n_pairs) out
    MatrixView<T> value, d_dr;   // (n_pairs, width) out

    EIPNN_HD void operator()(index_t p) const {
        index_t k0, k1;
        basis.window(r[p], k0, k1);
        first[p] = k0;
        count[p] = k1 - k0;
        for (index_t k = k0; k < k1; ++k) basis.eval(k, r[p], value(p, k - k0), d_dr(p, k - k0));
    }
};

// rbf (n_pairs, K) dense, zero outside each pair's window: for a GEMM over all Gaussians (the
// layer-wise dL/dW1 = rbf^T dL/da1). With r_dot (n_pairs) given, the basis' tangent instead,
// rbf_k'(r_p) r_dot_p (the second backward's (rbf' r_dot)^T dL/da1_dot).   per pair p
template <class T>
struct BasisWindowToDense {
    BasisWindowView<T> window;
    MatrixView<T> rbf;        // (n_pairs, K) out
    Span<const T> r_dot = {};  // (n_pairs) or null

    EIPNN_HD void operator()(index_t p) const {
        T* row = rbf.row(p);
        for (index_t k = 0; k < rbf.cols; ++k) row[k] = T(0);
        const index_t k0 = window.first[p];
        if (r_dot.data)
            for (index_t q = 0; q < window.count[p]; ++q) row[k0 + q] = window.d_dr(p, q) * r_dot[p];
        else
            for (index_t q = 0; q < window.count[p]; ++q) row[k0 + q] = window.value(p, q);
    }
};

// Host owner of a window table.
template <class T, class B = Host>
struct BasisWindowTable {
    Buffer<B, index_t> first, count;  // (n_pairs)
    Buffer<B, T> value, d_dr;         // (n_pairs, width)
    index_t width = 0;

    void compute(const B& b, const GaussianBasis& basis, Span<const double> r) {
        const std::size_t n = std::size_t(r.size);
        width = basis.max_window();
        first.resize(n);
        count.resize(n);
        value.resize(n * std::size_t(width));
        d_dr.resize(n * std::size_t(width));
        for_each(b, r.size, BasisWindowFwd<T>{basis, r, span_of(first), span_of(count), matrix_of(value, width),
                                               matrix_of(d_dr, width)});
    }
    BasisWindowView<T> view() const {
        return {span_of(first), span_of(count), matrix_of(value, width), matrix_of(d_dr, width)};
    }
    index_t size() const { return index_t(first.size()); }
};

// What every interaction shares of each pair: r, fc(r), fc'(r), and the Gaussians of its basis
// window (the blocks share one basis, so the window is evaluated once per forward, not per block;
// empty when every block reads a filter table instead). In backend B's memory.
template <class T, class B = Host>
struct PairGeometry {
    Buffer<B, double> r;   // (n_pairs) Å
    Buffer<B, T> fc;       // (n_pairs)
    Buffer<B, T> dfc_dr;   // (n_pairs) 1/Å
    BasisWindowTable<T, B> window;
};

// r, fc(r), fc'(r) of pair p from its edge's distance.
template <class T>
struct PairGeometryFwd {
    double cutoff;
    Span<const index_t> pair_edge;  // (n_pairs)
    Span<const double> distances;   // (n_edges)
    Span<double> r;                 // (n_pairs) out
    Span<T> fc, dfc_dr;             // (n_pairs) out

    EIPNN_HD void operator()(index_t p) const {
        const double d = distances[pair_edge[p]];
        const ValueDerivative<double> c = cosine_cutoff(d, cutoff);
        r[p] = d;
        fc[p] = T(c.value);
        dfc_dr[p] = T(c.derivative);
    }
};

// dE/d(edge vector) from dE/dr per pair, placed on the pair's own edge (the reverse edge gets 0:
// the force gather reads both directions, so where a pair's gradient sits does not matter).
template <class T>
struct PairToEdgeGradient {
    Span<const index_t> pair_edge;     // (n_pairs)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> r;              // (n_pairs)
    Span<const T> dE_dr_pair;          // (n_pairs)
    MatrixView<T> dE_dvector;          // (n_edges, 3) out, zeroed by the caller

    EIPNN_HD void operator()(index_t p) const {
        const index_t e = pair_edge[p];
        for (int a = 0; a < 3; ++a) dE_dvector(e, a) = dE_dr_pair[p] * T(vectors(e, a) / r[p]);
    }
};

// The transpose of PairToEdgeGradient: a tangent of the edge vectors (n_edges, 3), read on each
// pair's own edge, to the tangent of the pair's distance, r_dot = vector_e . u_e / r.
template <class T>
struct EdgeToPairTangent {
    Span<const index_t> pair_edge;     // (n_pairs)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> r;              // (n_pairs)
    MatrixView<const T> u;             // (n_edges, 3)
    Span<T> r_dot;                     // (n_pairs) out

    EIPNN_HD void operator()(index_t p) const {
        const index_t e = pair_edge[p];
        T acc = 0;
        for (int a = 0; a < 3; ++a) acc += T(vectors(e, a) / r[p]) * u(e, a);
        r_dot[p] = acc;
    }
};

}  // namespace eipnn
