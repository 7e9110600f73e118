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
#include <limits>
#include <utility>
#include <vector>

#include "eipnn/core/backend.hpp"
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

// W_k = -sum over edges leaving k of r_e (x) g_e into w[9], row-major xx xy xz yx ... zz. One
// definition shared by the per-atom and the per-block gathers so both round identically.
template <class T>
EIPNN_HD void atom_virial(Span<const index_t> offsets, MatrixView<const double> vectors,
                                 MatrixView<const T> dE_dr, index_t k, T (&w)[9]) {
    for (int c = 0; c < 9; ++c) w[c] = 0;
    for (index_t e = offsets[k]; e < offsets[k + 1]; ++e)
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) w[3 * a + b] -= T(vectors(e, a)) * dE_dr(e, b);
}

// Per-atom virial W_i (n_atoms, 9).
template <class T>
struct EdgeVirialGather {
    Span<const index_t> offsets;        // (n_atoms + 1)
    MatrixView<const double> vectors;   // (n_edges, 3)
    MatrixView<const T> dE_dr;          // (n_edges, 3)
    MatrixView<T> virial;               // (n_atoms, 9) out

    EIPNN_HD void operator()(index_t k) const {
        T w[9];
        atom_virial(offsets, vectors, dE_dr, k, w);
        for (int c = 0; c < 9; ++c) virial(k, c) = w[c];
    }
};

// Fused gather over a block of kGatherBlock consecutive atoms: forces of each atom, and the block's
// partial sums of the virial (in T; skipped when `with_virial` is false, which spares a second
// read of every edge vector) and of the atom energies (in double), atoms in index order.
// Summing the partials in block order afterwards gives totals whose rounding depends on neither
// the thread count nor the schedule, in one pass over the edges instead of one per component.
inline constexpr index_t kGatherBlock = 128;

template <class T>
struct EdgeGatherBlock {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> reverse;        // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    MatrixView<const T> dE_dr;          // (n_edges, 3)
    Span<const T> atom_energy;          // (n_atoms), or empty: no energy sum
    MatrixView<T> forces;               // (n_atoms, 3) out
    MatrixView<T> virial_partial;       // (n_blocks, 9) out
    Span<double> energy_partial;        // (n_blocks) out
    bool with_virial = true;

    EIPNN_HD void operator()(index_t b) const {
        const index_t n = offsets.size - 1;
        const index_t end = (b + 1) * kGatherBlock < n ? (b + 1) * kGatherBlock : n;
        const EdgeForceGather<T> force{offsets, reverse, dE_dr, forces};
        T acc[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        double energy = 0;
        for (index_t k = b * kGatherBlock; k < end; ++k) {
            force(k);
            if (with_virial) {
                T w[9];
                atom_virial(offsets, vectors, dE_dr, k, w);
                for (int c = 0; c < 9; ++c) acc[c] += w[c];
            }
            if (atom_energy.size > 0) energy += double(atom_energy[k]);
        }
        for (int c = 0; c < 9; ++c) virial_partial(b, c) = acc[c];
        energy_partial[b] = energy;
    }
};

inline index_t gather_blocks(index_t n_atoms) { return (n_atoms + kGatherBlock - 1) / kGatherBlock; }

// Reusable partial sums of the fused gather, in the memory of backend B (host copies of the
// device's partials in the staging vectors).
template <class T, class B = Host>
struct GatherWorkspace {
    Buffer<B, T> virial_partial;         // (n_blocks, 9)
    Buffer<B, double> energy_partial;    // (n_blocks)
    std::vector<T> staged_virial;        // host copies (backends other than Host)
    std::vector<double> staged_energy;
};

// Sizes the partial sums for the atoms of `offsets` and returns the block functor that fills them.
template <class T, class B>
EdgeGatherBlock<T> prepare_gather(Span<const index_t> offsets, Span<const index_t> reverse,
                                  MatrixView<const double> vectors, MatrixView<const T> dE_dr,
                                  Span<const T> atom_energy, MatrixView<T> forces, GatherWorkspace<T, B>& ws,
                                  bool with_virial) {
    const index_t n_blocks = gather_blocks(offsets.size - 1);
    ws.virial_partial.resize(9 * std::size_t(n_blocks));
    ws.energy_partial.resize(std::size_t(n_blocks));
    return EdgeGatherBlock<T>{offsets, reverse, vectors, dE_dr, atom_energy, forces,
                              matrix_of(ws.virial_partial, 9), span_of(ws.energy_partial), with_virial};
}

namespace detail {
template <class T>
void sum_gather_partials(Span<const T> virial_partial, Span<const double> energy_partial, bool with_virial,
                         std::array<T, 9>& virial, double& energy) {
    virial.fill(with_virial ? T(0) : std::numeric_limits<T>::quiet_NaN());
    energy = 0;
    for (index_t b = 0; b < energy_partial.size; ++b) {
        if (with_virial)
            for (index_t c = 0; c < 9; ++c) virial[std::size_t(c)] += virial_partial[9 * b + c];
        energy += energy_partial[b];
    }
}
}  // namespace detail

// The totals from the block partials, in block order: virial (9; NaN when with_virial is false,
// so that reading a virial nobody asked for cannot go unnoticed) and energy (double).
template <class T>
void finish_gather(const Host&, GatherWorkspace<T, Host>& ws, bool with_virial, std::array<T, 9>& virial,
                   double& energy) {
    detail::sum_gather_partials(span_of(std::as_const(ws.virial_partial)), span_of(std::as_const(ws.energy_partial)),
                                with_virial, virial, energy);
}
// Other backends: the partials are copied to the host first (synchronises).
template <class B, class T>
void finish_gather(const B& b, GatherWorkspace<T, B>& ws, bool with_virial, std::array<T, 9>& virial, double& energy) {
    download(b, span_of(std::as_const(ws.virial_partial)), ws.staged_virial);
    download(b, span_of(std::as_const(ws.energy_partial)), ws.staged_energy);
    detail::sum_gather_partials(span_of(std::as_const(ws.staged_virial)), span_of(std::as_const(ws.staged_energy)),
                                with_virial, virial, energy);
}

// Host: forces (n_atoms, 3), total virial and, when atom_energy is not empty, the total energy
// (double) from per-edge gradients, in one parallel pass; bit-identical for any thread count.
template <class T>
void gather_edges(const Host& host, Span<const index_t> offsets, Span<const index_t> reverse,
                  MatrixView<const double> vectors, MatrixView<const T> dE_dr, Span<const T> atom_energy,
                  MatrixView<T> forces, std::array<T, 9>& virial, double& energy, GatherWorkspace<T>& ws,
                  bool with_virial = true) {
    const EdgeGatherBlock<T> block =
        prepare_gather(offsets, reverse, vectors, dE_dr, atom_energy, forces, ws, with_virial);
    // dynamic: a block's cost follows its neighbour counts, and a busy core must not hold the rest
    for_each_dynamic(host, index_t(ws.energy_partial.size()), block);
    finish_gather(host, ws, with_virial, virial, energy);
}

// Host convenience: forces (n_atoms, 3) and total virial (9) from per-edge gradients.
template <class T>
void forces_and_virial_from_edges(const Host& host, Span<const index_t> offsets, Span<const index_t> reverse,
                                  MatrixView<const double> vectors, MatrixView<const T> dE_dr,
                                  MatrixView<T> forces, std::array<T, 9>& virial) {
    GatherWorkspace<T> ws;
    double unused_energy = 0;
    gather_edges<T>(host, offsets, reverse, vectors, dE_dr, Span<const T>{}, forces, virial, unused_energy, ws);
}

}  // namespace eipnn
