// A GraphBatch (include/eipnn/geometry/graph_batch.hpp) uploaded to the device: the index arrays and
// geometry the SchNet kernels read, as device buffers with views of the same names.
#pragma once
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/geometry/graph_batch.hpp"

namespace eipnn::gpu {

struct DeviceGraphBatch {
    DeviceBuffer<index_t> atom_offsets;   // (n_graphs + 1)
    DeviceBuffer<index_t> graph_of_atom;  // (n_atoms)
    DeviceBuffer<index_t> offsets;        // (n_atoms + 1) CSR
    DeviceBuffer<index_t> centers, neighbors, reverse, edge_pair;  // (n_edges)
    DeviceBuffer<double> vectors;         // (n_edges, 3)
    DeviceBuffer<double> distances;       // (n_edges)
    DeviceBuffer<index_t> pair_edge;      // (n_pairs)
    index_t n_graphs = 0, n_atoms = 0, n_edges = 0, n_pairs = 0;
    double cutoff = 0;

    DeviceGraphBatch() = default;
    explicit DeviceGraphBatch(const GraphBatch& b) { upload(b); }

    void upload(const GraphBatch& b) {
        atom_offsets.upload(b.atom_offsets);
        graph_of_atom.upload(b.graph_of_atom);
        offsets.upload(b.offsets);
        centers.upload(b.centers);
        neighbors.upload(b.neighbors);
        reverse.upload(b.reverse);
        edge_pair.upload(b.edge_pair);
        vectors.upload(b.vectors);
        distances.upload(b.distances);
        pair_edge.upload(b.pair_edge);
        n_graphs = b.n_graphs();
        n_atoms = b.n_atoms();
        n_edges = b.n_edges();
        n_pairs = b.n_pairs();
        cutoff = b.cutoff;
    }
};

}  // namespace eipnn::gpu
