// Second derivatives for training on forces and stresses, without autodiff.
//
// Forces F = -dE/dx and the virial W = -sum_e vec_e (x) g_e both come from the per-edge energy
// gradients g_e = dE/dvec_e (geometry/edge_forces.hpp). A loss on them, L(E, F, W), has the
// parameter gradient
//   dL/dtheta = sum_g dL/dE_g dE_g/dtheta + sum_e u_e . dg_e/dtheta,   u_e = dL/dg_e,
// and the second sum is the parameter gradient of one number: the directional derivative of E
// along the edge-vector tangent u, E_dot = sum_e g_e . u_e. So a model needs, per layer, two
// companions of its forward and backward (the layers' `*_tangent_fwd` and `*_bwd_second`):
//   1. the force pass (model.force_backward): the ordinary backward with seed 1 on head 0, which
//      gives g and keeps each layer output's adjoint D (the `ForceAdjoints` of the model);
//   2. the tangent pass: every layer's forward differentiated along u (inputs' tangents in,
//      outputs' tangents out: y_dot = x_dot W, h_dot = act'(a) a_dot, ...);
//   3. the second backward (model.backward_second): one reverse sweep through forward and tangent
//      together. A layer y = act(x W + b) turns the second pass's dL/dy and the force pass's D/dy
//      into dL/da = dL/dy act'(a) + D/dy act''(a) a_dot and dL/dW += x^T dL/da + x_dot^T D/da.
// The tangent pass's adjoints are the force pass's D, because both have the same seed (1 on
// head 0) and are linear; so step 3 reads them instead of recomputing.
//
// The cotangent u from the loss's gradients with respect to forces and virials is the transpose
// of the force and virial gathers (EdgeGradientCotangent below); a model reads u in the same
// convention in which its backward writes g (SchNet: on each pair's own edge).
#pragma once
#include "eipnn/core/view.hpp"

namespace eipnn {

// u_e = dL/dg_e for edge e = i -> j of graph G:
//   from F_i = sum over i's edges of (g_e - g_reverse(e)):  u_e = dL/dF_i - dL/dF_j
//   from W_G = -sum_e vec_e (x) g_e (row-major ab):         u_e,b -= sum_a dL/dW_G,ab vec_e,a
// Either gradient may be null (no force or no virial term).   per edge e
template <class T>
struct EdgeGradientCotangent {
    Span<const index_t> centers, neighbors;  // (n_edges)
    Span<const index_t> graph_of_atom;       // (n_atoms)
    MatrixView<const double> vectors;        // (n_edges, 3)
    MatrixView<const T> dL_dF;               // (n_atoms, 3) or null
    MatrixView<const T> dL_dW;               // (n_graphs, 9) or null
    MatrixView<T> u;                         // (n_edges, 3) out

    EIPNN_HD void operator()(index_t e) const {
        const index_t i = centers[e], j = neighbors[e];
        for (int b = 0; b < 3; ++b) {
            T acc = 0;
            if (dL_dF.data) acc = dL_dF(i, b) - dL_dF(j, b);
            if (dL_dW.data) {
                const T* w = dL_dW.row(graph_of_atom[i]);
                for (int a = 0; a < 3; ++a) acc -= w[3 * a + b] * T(vectors(e, a));
            }
            u(e, b) = acc;
        }
    }
};

}  // namespace eipnn
