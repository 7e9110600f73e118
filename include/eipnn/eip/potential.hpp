// What every empirical potential offers, and the one way all of them run.
//
// Each functional form (sw.hpp, tersoff.hpp, ...) is a fused per-atom kernel over a full
// neighbour list: for atom i it computes its energy E_i and, for each of i's edges e = i -> j,
// the gradient g_e = dE_i/dr_ij, two- and three-body terms in one pass. Forces and virial then
// come from the shared gather in geometry/edge_forces.hpp (no atomics, thread-count independent).
// `Potential` is the runtime face of a parameterised form, used by the command line and pools;
// eip/atom_kernel_potential.hpp connects a style's kernel factory to it.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/large_vector.hpp"
#include "eipnn/eip/list_check.hpp"
#include "eipnn/eip/species.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

template <class T>
struct EipResult {
    // Request, set by the caller (like OpenKIM's optional compute arguments): the virial costs a
    // second read of every edge vector, and MD without a barostat or energy labelling do not need
    // it. When false, `virial` is NaN after compute.
    bool want_virial = true;

    double energy = 0;                 // total, eV (accumulated in double whatever T is)
    std::vector<T> atom_energies;      // (n_atoms) eV
    std::vector<T> forces;             // (n_atoms, 3) eV/Å, = -dE/dr
    std::array<T, 9> virial{};         // eV, W = -sum_e r_e (x) dE/dr_e, row-major
};

// Scratch owned by the caller so repeated evaluations (MD, labelling) do not reallocate; in the
// memory of backend B.
template <class T, class B = Host>
struct EipWorkspace {
    LargeBuffer<B, T> dE_dr;           // (n_edges, 3)
    GatherWorkspace<T, B> gather;      // per-block partial sums of the virial and energy
};

// A kernel that assigns every gradient row of its atom (none left unwritten, none accumulated into
// before being assigned) says so with `static constexpr bool assigns_every_edge = true;`.
template <class Kernel, class = void>
struct assigns_every_edge : std::false_type {};
template <class Kernel>
struct assigns_every_edge<Kernel, std::enable_if_t<Kernel::assigns_every_edge>> : std::true_type {};

// Runs `kernel(i)` after zeroing the gradient rows of i's own edges, so kernels may accumulate
// into dE_dr and the zeroing happens inside the parallel per-atom pass, on rows about to be written.
// Kernels that assign every row themselves skip the zeroing.
template <class T, class Kernel>
struct ZeroEdgesThen {
    Span<const index_t> offsets;        // (n_atoms + 1)
    MatrixView<T> dE_dr;                // (n_edges, 3)
    Kernel kernel;

    EIPNN_HD void operator()(index_t i) const {
        if constexpr (!assigns_every_edge<Kernel>::value)
            for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
        kernel(i);
    }
    // the kernel's host form over a range of atoms, where it has one (core/host_backend.hpp)
    template <class K = Kernel, std::enable_if_t<runs_ranges<K>::value, int> = 0>
    void for_range(index_t begin, index_t end) const {
        if constexpr (!assigns_every_edge<Kernel>::value)
            for (index_t e = offsets[begin]; e < offsets[end]; ++e) dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
        kernel.for_range(begin, end);
    }
};

// Runs a per-atom kernel (fills atom_energy and dE_dr through the views it holds), then gathers;
// written once for every backend (core/backend.hpp), the list, outputs and workspace in the
// backend's memory. `make_kernel(atom_energy, dE_dr)` returns the kernel bound to those output
// views; it must write atom_energy[i] and may only touch the dE_dr rows of i's edges, which are
// zero on entry (unless it declares assigns_every_edge). forces (n_atoms, 3) are written; the
// virial (NaN unless want_virial) and the energy (double) are summed in block order.
// On the host this is one parallel region: each thread gathers the blocks of atoms it ran the
// kernel for (core/host_backend.hpp, for_each_owned_two_phase, says why); no serial pass over
// atoms or edges, and once the buffers have reached the size of the structure the only
// allocations are the loop's per-thread ranges (a few bytes per 128 atoms). Bit-identical results
// for any thread count; the device's differ from the host's only where it contracts a*b+c.
template <class B, class T, class MakeKernel>
void run_atom_kernel(const B& b, const NeighborListView& nl, const MakeKernel& make_kernel, Span<T> atom_energy,
                     MatrixView<T> forces, bool want_virial, EipWorkspace<T, B>& ws, std::array<T, 9>& virial,
                     double& energy) {
    ws.dE_dr.resize(3 * std::size_t(nl.n_edges));
    const MatrixView<T> dE_dr = matrix_of(ws.dE_dr, 3);
    const auto kernel = make_kernel(atom_energy, dE_dr);
    const ZeroEdgesThen<T, std::decay_t<decltype(kernel)>> per_atom{nl.offsets, dE_dr, kernel};
    const EdgeGatherBlock<T> per_block =
        prepare_gather(nl.offsets, nl.reverse, nl.vectors, matrix_of(std::as_const(ws.dE_dr), 3),
                       Span<const T>(atom_energy), forces, ws.gather, want_virial);
    const index_t* offsets = nl.offsets.data;  // read by the host's balancing only
    for_each_owned_two_phase(b, nl.n_atoms, [offsets](index_t i) { return offsets[i] + i; }, kGatherBlock, per_atom,
                             per_block);
    finish_gather(b, ws.gather, want_virial, virial, energy);
}

// The host's form: outputs straight into `out` (resized, not cleared: every element is written).
template <class T, class MakeKernel>
void evaluate_atom_kernel(const Host& host, const NeighborList& nl, const MakeKernel& make_kernel,
                          EipResult<T>& out, EipWorkspace<T>& ws) {
    const index_t n = nl.n_atoms();
    out.atom_energies.resize(std::size_t(n));
    out.forces.resize(3 * std::size_t(n));
    run_atom_kernel(host, view_of(nl), make_kernel, span_of(out.atom_energies), matrix_of(out.forces, 3),
                    out.want_virial, ws, out.virial, out.energy);
}

// A workspace per thread and scalar type, for Potential::compute implementations that have no
// caller-owned workspace to use (the `Potential` interface keeps its signature).
template <class T>
EipWorkspace<T>& thread_workspace() {
    thread_local EipWorkspace<T> ws;
    return ws;
}

// A parameterised functional form. `compute` is the one way every style runs: it checks the
// inputs the same way for all of them (check_inputs), then calls the style's `evaluate`.
class Potential {
public:
    virtual ~Potential() = default;
    virtual std::string style() const = 0;      // e.g. "sw", "tersoff", "eam/alloy"
    virtual double cutoff() const = 0;          // largest interaction range, Å
    virtual const std::string& source() const = 0;  // file or parameter set, names it in messages

    // Atomic numbers the parameters cover (after any species mapping), ascending.
    std::vector<int> supported_numbers() const { return species().supported_numbers(); }

    // The neighbour list must have been built for this structure with cutoff >= cutoff().
    void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<double>& out) const {
        run_checked(s, nl, host, out);
    }
    void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<float>& out) const {
        run_checked(s, nl, host, out);
    }

    // Builds the list itself; convenient for one-off calls.
    EipResult<double> compute(const Structure& s, const Host& host = {}) const {
        EipResult<double> out;
        compute(s, build_neighbor_list(s, cutoff()), host, out);
        return out;
    }

    // What compute checks, public for evaluations elsewhere (kernels/eipnn/cuda/eip.cuh): the list
    // belongs to `s`, reaches cutoff() and is complete; every atom's element is covered. Fills
    // `types` with each atom's entry (or species) index, the kernels' `types`.
    void check_inputs(const Structure& s, const NeighborListShape& list, std::vector<int>& types) const {
        check_neighbor_list(list, s.size(), cutoff(), source());
        const SpeciesTable& table = species();
        types.resize(s.numbers.size());
        for (std::size_t i = 0; i < types.size(); ++i) {
            const int z = s.numbers[i];
            const int k = (z >= 0 && z < int(table.index.size())) ? table.index[std::size_t(z)] : -1;
            if (k < 0) table.types_of(s.numbers, source());  // throws, naming the atom and its element
            types[i] = k;
        }
        check_types(types);
    }

protected:
    // Atomic number -> entry (or species) index of the parameters.
    virtual const SpeciesTable& species() const = 0;
    // Further demands on the species present (three-body files: an entry for every triplet).
    virtual void check_types(const std::vector<int>& /*types*/) const {}
    // The style's evaluation, on inputs check_inputs has accepted.
    virtual void evaluate(const NeighborList& nl, Span<const int> types, const Host& host, EipResult<double>& out) const = 0;
    virtual void evaluate(const NeighborList& nl, Span<const int> types, const Host& host, EipResult<float>& out) const = 0;

private:
    template <class T>
    void run_checked(const Structure& s, const NeighborList& nl, const Host& host, EipResult<T>& out) const {
        // per thread, so repeated calls (MD, labelling) neither allocate nor fault in a fresh vector
        thread_local std::vector<int> types;
        check_inputs(s, shape_of(nl), types);
        evaluate(nl, span_of(std::as_const(types)), host, out);
    }
};

}  // namespace eipnn
