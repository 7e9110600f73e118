// Per-graph and per-atom bodies of the readouts, portable (no Eigen), shared by the host layers
// (readout.hpp, schnet.hpp) and the device model (kernels/eipnn/cuda/nn_schnet.cuh).
#pragma once
#include "eipnn/core/view.hpp"

namespace eipnn {

// A two-layer MLP: ssp(x W1 + b1) W2 + b2 (views into the flat buffer, host or device memory).
template <class T>
struct MlpParams {
    MatrixView<const T> W1, b1;  // (in, H), (1, H)
    MatrixView<const T> W2, b2;  // (H, out), (1, out)
};
template <class T>
struct MlpGrads {
    MatrixView<T> W1, b1, W2, b2;
};


// E_g = scale * sum_{i in g} E_i + sum_{i in g} ref[s_i], accumulated in double   per graph g
template <class T>
struct HeadEnergySum {
    Span<const index_t> atom_offsets;  // (n_graphs + 1)
    Span<const index_t> species;       // (n_atoms)
    Span<const T> e_atom;              // (n_atoms) network output E_i
    Span<const double> ref;            // (n_species)
    double scale;
    Span<double> energies;             // (n_graphs) out
    index_t stride = 1;                // energies[g * stride] (heads side by side)

    EIPNN_HD void operator()(index_t g) const {
        double nn = 0, offset = 0;
        for (index_t i = atom_offsets[g]; i < atom_offsets[g + 1]; ++i) {
            nn += double(e_atom[i]);
            offset += ref[species[i]];
        }
        energies[g * stride] = scale * nn + offset;
    }
};

// dL/dE_i = scale * dL/dE_{graph(i)}   per atom i
template <class T>
struct HeadEnergySeed {
    Span<const index_t> graph_of_atom;  // (n_atoms)
    Span<const double> dL_dE;           // (n_graphs * stride)
    double scale;
    Span<T> dL_de_atom;                 // (n_atoms) out
    index_t stride = 1;
    index_t head = 0;

    EIPNN_HD void operator()(index_t i) const {
        dL_de_atom[i] = T(scale * dL_dE[graph_of_atom[i] * stride + head]);
    }
};

// out.row(g) = sum over atoms i of graph g of in.row(i), in order   per graph g
template <class T>
struct GraphRowSum {
    Span<const index_t> atom_offsets;  // (n_graphs + 1)
    MatrixView<const T> in;            // (n_atoms, C)
    MatrixView<T> out;                 // (n_graphs, C)

    EIPNN_HD void operator()(index_t g) const {
        for (index_t c = 0; c < in.cols; ++c) {
            T acc = 0;
            for (index_t i = atom_offsets[g]; i < atom_offsets[g + 1]; ++i) acc += in(i, c);
            out(g, c) = acc;
        }
    }
};

}  // namespace eipnn
