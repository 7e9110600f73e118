// From per-edge energy gradients to forces and virial, without atomics.
//
// Any energy written as E = sum_i E_i({r_ij}) over a full list has the per-edge gradient
// g_e = dE_i / dr_ij for edge e = i -> j. Since r_ij = (r_j - r_i) + S·L,
//   F_k = -dE/dr_k = sum over edges e leaving k of (g_e - g_reverse(e)),
// i.e. a segment reduction over k's own edges that reads the reverse edge's gradient.
// The virial is W = -sum_e r_e (x) g_e (LAMMPS sign: W = sum r (x) f for pairs), 9 components.
// EIP kernels and the neural networks both end in this gather.
#pragma once
#include <array>
#include <vector>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

template <class T>
struct EdgeForceGather {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> reverse;        // (n_edges)
    MatrixView<const T> dE_dr;          // (n_edges, 3)
    MatrixView<T> forces;               // (n_atoms, 3) out

    EIPNN_HD void operator()(index_t k) const {
        T f0 = 0, f1 = 0, f2 = 0;
        for (index_t e = offsets[k]; e < offsets[k + 1]; ++e) {
            const index_t r = reverse[e];
            f0 += dE_dr(e, 0) - dE_dr(r, 0);
            f1 += dE_dr(e, 1) - dE_dr(r, 1);
            f2 += dE_dr(e, 2) - dE_dr(r, 2);
        }
        forces(k, 0) = f0;
        forces(k, 1) = f1;
        forces(k, 2) = f2;
    }
};

// Per-atom virial W_i = -sum over edges leaving i of r_e (x) g_e, row-major xx xy xz yx ... zz.
template <class T>
struct EdgeVirialGather {
    Span<const index_t> offsets;        // (n_atoms + 1)
    MatrixView<const double> vectors;   // (n_edges, 3)
    MatrixView<const T> dE_dr;          // (n_edges, 3)
    MatrixView<T> virial;               // (n_atoms, 9) out

    EIPNN_HD void operator()(index_t k) const {
        T w[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        for (index_t e = offsets[k]; e < offsets[k + 1]; ++e)
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) w[3 * a + b] -= T(vectors(e, a)) * dE_dr(e, b);
        for (int c = 0; c < 9; ++c) virial(k, c) = w[c];
    }
};

// Host convenience: forces (n_atoms, 3) and total virial (9) from per-edge gradients.
template <class T>
void forces_and_virial_from_edges(const Host& host, Span<const index_t> offsets, Span<const index_t> reverse,
                                  MatrixView<const double> vectors, MatrixView<const T> dE_dr,
                                  MatrixView<T> forces, std::array<T, 9>& virial) {
    const index_t n = offsets.size - 1;
    for_each(host, n, EdgeForceGather<T>{offsets, reverse, dE_dr, forces});
    std::vector<T> per_atom(9 * std::size_t(n));
    for_each(host, n, EdgeVirialGather<T>{offsets, vectors, dE_dr, matrix_of(per_atom, 9)});
    for (int c = 0; c < 9; ++c)
        virial[std::size_t(c)] = reduce_sum<T>(host, n, [&](index_t i) { return per_atom[9 * std::size_t(i) + std::size_t(c)]; });
}

}  // namespace eipnn
