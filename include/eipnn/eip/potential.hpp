// What every empirical potential offers, and the one way all of them run.
//
// Each functional form (sw.hpp, tersoff.hpp, ...) is a fused per-atom kernel over a full
// neighbour list: for atom i it computes its energy E_i and, for each of i's edges e = i -> j,
// the gradient g_e = dE_i/dr_ij, two- and three-body terms in one pass. Forces and virial then
// come from the shared gather in geometry/edge_forces.hpp (no atomics, thread-count independent).
// `Potential` is the runtime face of a parameterised form, used by the command line and pools.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

template <class T>
struct EipResult {
    double energy = 0;                 // total, eV (accumulated in double whatever T is)
    std::vector<T> atom_energies;      // (n_atoms) eV
    std::vector<T> forces;             // (n_atoms, 3) eV/Å, = -dE/dr
    std::array<T, 9> virial{};         // eV, W = -sum_e r_e (x) dE/dr_e, row-major
};

// Scratch owned by the caller so repeated evaluations (MD, labelling) do not reallocate.
template <class T>
struct EipWorkspace {
    std::vector<T> dE_dr;              // (n_edges, 3)
};

// Runs a per-atom kernel (fills atom_energy and dE_dr through the views it holds), then gathers.
// `make_kernel(atom_energy, dE_dr)` returns the kernel bound to those output views.
template <class T, class MakeKernel>
void evaluate_atom_kernel(const Host& host, const NeighborList& nl, const MakeKernel& make_kernel,
                          EipResult<T>& out, EipWorkspace<T>& ws) {
    const index_t n = nl.n_atoms();
    out.atom_energies.assign(std::size_t(n), T(0));
    out.forces.assign(3 * std::size_t(n), T(0));
    ws.dE_dr.assign(3 * std::size_t(nl.n_edges()), T(0));
    const auto kernel = make_kernel(span_of(out.atom_energies), matrix_of(ws.dE_dr, 3));
    for_each_dynamic(host, n, kernel);
    out.energy = reduce_sum<double>(host, n, [&](index_t i) { return double(out.atom_energies[std::size_t(i)]); });
    forces_and_virial_from_edges<T>(host, span_of(nl.offsets), span_of(nl.reverse), matrix_of(nl.vectors, 3),
                                    matrix_of(std::as_const(ws.dE_dr), 3), matrix_of(out.forces, 3), out.virial);
}

class Potential {
public:
    virtual ~Potential() = default;
    virtual std::string style() const = 0;      // e.g. "sw", "tersoff", "eam/alloy"
    virtual double cutoff() const = 0;          // largest interaction range, Å
    // Atomic numbers the parameters cover (after any species mapping).
    virtual std::vector<int> supported_numbers() const = 0;

    // The neighbour list must have been built with cutoff >= cutoff() for this structure.
    virtual void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<double>& out) const = 0;
    virtual void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<float>& out) const = 0;

    // Builds the list itself; convenient for one-off calls.
    EipResult<double> compute(const Structure& s, const Host& host = {}) const {
        EipResult<double> out;
        compute(s, build_neighbor_list(s, cutoff()), host, out);
        return out;
    }
};

}  // namespace eipnn
