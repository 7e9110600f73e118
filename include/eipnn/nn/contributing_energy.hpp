// The energy of one part of a system and its exact gradient, for MD engines that hand over a
// domain plus explicit ghost particles (the KIM API's contributing / non-contributing particles;
// geometry/explicit_graph.hpp builds the graph: graph 0 = contributing, graph 1 = ghosts).
//
// Only graph 0's head-0 energy is seeded in the backward pass (dL/dE = 1 on graph 0, 0 on graph
// 1), so every edge gradient is dE_0/dr_e, including those of ghost-ghost edges through which a
// message-passing model (SchNet) carries ghost features into contributing atoms. The forces
// -dE_0/dx_k then exist on ghosts too; the engine adds them to the atoms the ghosts are images of.
// The ghosts' own energies (graph 1) are computed and discarded: their neighbourhoods are cut off
// at the edge of the ghost shell, so they are wrong, but nothing in E_0 depends on them.
//
// Virial: W = -sum over all edges r_e (x) dE_0/dr_e (edge_forces.hpp's sign), which equals
// sum_k x_k (x) F_k over every particle, as an engine summing ghost forces back expects.
#pragma once
#include <array>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/model.hpp"

namespace eipnn {

template <class T>
struct ContributingEnergy {
    double energy = 0;                 // E_0: head 0 energy of graph 0, eV
    std::vector<double> atom_energy;   // (n_atoms) scale * E_i + ref[Z_i]; meaningful on graph 0
    std::vector<T> forces;             // (n_atoms, 3) -dE_0/dx_k, eV/Å, ghosts included
    std::array<T, 9> virial{};         // W (row-major), eV
    std::vector<T> atom_virial;        // (n_atoms, 9) W_k from k's outgoing edges (if asked for)
};

// Evaluates the model on `batch` (graph 0 = the atoms whose energy counts) and fills `out`.
template <class Model>
void contributing_energy_forces(const Host& host, const Model& model, const GraphBatch& batch,
                                typename Model::Forward& fw, ContributingEnergy<typename Model::Scalar>& out,
                                bool with_atom_virial = false) {
    static_assert(is_model_v<Model>, "contributing_energy_forces needs a model (nn/model.hpp)");
    using T = typename Model::Scalar;
    const index_t n = batch.n_atoms(), G = batch.n_graphs(), K = model.config.n_heads;
    if (G < 1 || G > 2)
        throw Error(str("the batch has ", G, " graphs"), "contributing_energy_forces",
                    "build it with make_explicit_graph (graph 0 contributing, graph 1 ghosts)");
    model.forward_for_forces(host, batch, fw);  // no parameter gradients follow
    out.energy = fw.energies[0];
    // per-atom energies as the head sums them (readout_functors.hpp, HeadEnergySum; head 0's
    // references are head_ref's first n_species values)
    out.atom_energy.resize(std::size_t(n));
    for (index_t i = 0; i < n; ++i)
        out.atom_energy[std::size_t(i)] = model.head_scale[0] * double(fw.heads[0].e_atom[std::size_t(i)]) +
                                          model.head_ref[std::size_t(fw.species[std::size_t(i)])];
    std::vector<double> seed(std::size_t(G) * std::size_t(K), 0.0);
    seed[0] = 1.0;  // graph 0, head 0
    std::vector<T> dE_dvec;
    model.backward(host, batch, fw, span_of(std::as_const(seed)), nullptr, &dE_dvec);
    out.forces.assign(3 * std::size_t(n), T(0));
    GatherWorkspace<T> ws;
    double unused_energy = 0;
    gather_edges<T>(host, span_of(batch.offsets), span_of(batch.reverse), matrix_of(batch.vectors, 3),
                    matrix_of(std::as_const(dE_dvec), 3), Span<const T>{}, matrix_of(out.forces, 3), out.virial,
                    unused_energy, ws);
    if (with_atom_virial) {
        out.atom_virial.resize(9 * std::size_t(n));
        for_each(host, n,
                 EdgeVirialGather<T>{span_of(batch.offsets), matrix_of(batch.vectors, 3),
                                     matrix_of(std::as_const(dE_dvec), 3), matrix_of(out.atom_virial, 9)});
    } else {
        out.atom_virial.clear();
    }
}

}  // namespace eipnn
