// The kernel factory: how each style turns its parameters into a per-atom kernel, written once
// for the host (here) and the device (kernels/eipnn/cuda/eip.cuh).
//
// A style derives from AtomKernelPotential<Style> and offers, publicly:
//   static constexpr int scratch_per_edge;        // columns of per-edge scratch its kernel uses
//   template <class T> Tables<T> kernel_tables() const;  // views of its parameter tables in host memory
//   template <class T> Kernel<T> kernel(const AtomKernelArgs<T>&, const Tables<T>&) const;
// The host binds the arguments to a NeighborList and host tables; the device binds the same
// arguments to device buffers and device copies of the tables, and calls the same `kernel`.
// A style whose tables hold no pointers (parameters by value) declares
// `static constexpr bool tables_by_value = true;` and the device uses its host tables as they are.
#pragma once
#include <cstddef>
#include <utility>

#include "eipnn/eip/potential.hpp"

namespace eipnn {

// What every per-atom kernel reads of the neighbour list and where it writes, as views.
template <class T>
struct AtomKernelArgs {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const double> distances;       // (n_edges)
    Span<const int> types;              // (n_atoms) entry or species index (Potential::check_inputs)
    MatrixView<T> scratch;              // (n_edges, scratch_per_edge)
    Span<T> atom_energy;                // (n_atoms) out
    MatrixView<T> dE_dr;                // (n_edges, 3) out
};

template <class Style>
class AtomKernelPotential : public Potential {
protected:
    void evaluate(const NeighborList& nl, Span<const int> types, const Host& host, EipResult<double>& out) const override {
        run(nl, types, host, out);
    }
    void evaluate(const NeighborList& nl, Span<const int> types, const Host& host, EipResult<float>& out) const override {
        run(nl, types, host, out);
    }

private:
    template <class T>
    void run(const NeighborList& nl, Span<const int> types, const Host& host, EipResult<T>& out) const {
        const Style& style = static_cast<const Style&>(*this);
        constexpr index_t cols = Style::scratch_per_edge;
        thread_local LargeVector<T> scratch;  // per thread and type: reused from call to call
        scratch.resize(std::size_t(cols) * std::size_t(nl.n_edges()));
        const auto tables = style.template kernel_tables<T>();
        evaluate_atom_kernel<T>(
            host, nl,
            [&](Span<T> atom_energy, MatrixView<T> dE_dr) {
                const AtomKernelArgs<T> args{span_of(nl.offsets),   span_of(nl.neighbors),
                                             matrix_of(nl.vectors, 3), span_of(nl.distances),
                                             types,                 MatrixView<T>{scratch.data(), nl.n_edges(), cols},
                                             atom_energy,           dE_dr};
                return style.template kernel<T>(args, tables);
            },
            out, thread_workspace<T>());
    }
};

}  // namespace eipnn
