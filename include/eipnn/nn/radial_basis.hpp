// Edge geometry fused with the radial basis: from an edge vector to its distance r, the Gaussian
// expansion rbf_k(r) (math/gaussian_basis.hpp) and the cosine cutoff fc(r) (math/cutoff.hpp), and
// back from dL/d(rbf, fc) to dL/d(edge vector). SchNet multiplies its filters, not the basis, by
// fc, so the layer returns both; cfconv.hpp evaluates the same basis inside its fused tiles, on
// the Gaussians of each distance's window only.
#pragma once
#include <cmath>

#include "eipnn/core/host_backend.hpp"
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

// Per-pair scalars every interaction shares: r, fc(r), fc'(r).
template <class T>
struct PairGeometry {
    std::vector<double> r;   // (n_pairs) Å
    std::vector<T> fc;       // (n_pairs)
    std::vector<T> dfc_dr;   // (n_pairs) 1/Å
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

}  // namespace eipnn
