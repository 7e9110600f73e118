// A batch of structures as one graph: atoms and edges of every structure concatenated, with
// offsets, and indices shifted to the batch. Edges stay in each list's canonical CSR order, so
// the batch's edge list is a full list sorted by centre and every per-atom sum is a segment
// reduction. Each undirected pair {e, reverse(e)} is also numbered once ("pairs", e < reverse(e)),
// because any function of the distance alone (SchNet's filters) is the same on both directions.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct GraphBatch {
    std::vector<index_t> atom_offsets;  // (n_graphs + 1)
    std::vector<index_t> edge_offsets;  // (n_graphs + 1) first edge of each graph
    std::vector<index_t> graph_of_atom; // (n_atoms)
    std::vector<int> numbers;           // (n_atoms) atomic numbers
    std::vector<double> positions;      // (n_atoms, 3) Å
    std::vector<Mat3> lattices;         // (n_graphs) completed lattice (rows), for shifts
    std::vector<index_t> offsets;       // (n_atoms + 1) CSR: edges of atom i
    std::vector<index_t> centers;       // (n_edges) batch atom index i
    std::vector<index_t> neighbors;     // (n_edges) batch atom index j
    std::vector<index_t> reverse;       // (n_edges) batch edge index of j -> i
    std::vector<int> shifts;            // (n_edges, 3)
    std::vector<double> vectors;        // (n_edges, 3) r_j + S L - r_i
    std::vector<double> distances;      // (n_edges)
    std::vector<index_t> pair_edge;     // (n_pairs) the edge e < reverse(e) of each pair
    std::vector<index_t> edge_pair;     // (n_edges) pair of each edge (both directions)
    double cutoff = 0;

    index_t n_graphs() const { return index_t(atom_offsets.size()) - 1; }
    index_t n_atoms() const { return index_t(numbers.size()); }
    index_t n_edges() const { return index_t(neighbors.size()); }
    index_t n_pairs() const { return index_t(pair_edge.size()); }
    index_t graph_size(index_t g) const { return atom_offsets[std::size_t(g) + 1] - atom_offsets[std::size_t(g)]; }
};

// What the models read of a batch, as views into whichever backend's memory holds it (a host
// GraphBatch converts implicitly; kernels/eipnn/cuda/graph_batch.cuh views the device copy).
// Same field names as GraphBatch, so a layer reads either.
struct GraphBatchView {
    Span<const index_t> atom_offsets;   // (n_graphs + 1)
    Span<const index_t> graph_of_atom;  // (n_atoms)
    Span<const index_t> offsets;        // (n_atoms + 1) CSR
    Span<const index_t> centers, neighbors, reverse, edge_pair;  // (n_edges)
    Span<const double> vectors;         // (n_edges * 3)
    Span<const double> distances;       // (n_edges)
    Span<const index_t> pair_edge;      // (n_pairs)
    Span<const int> numbers;            // (n_atoms) atomic numbers
    double cutoff = 0;

    GraphBatchView() = default;
    GraphBatchView(const GraphBatch& b)  // NOLINT: implicit, so host callers pass their batch
        : atom_offsets(span_of(b.atom_offsets)), graph_of_atom(span_of(b.graph_of_atom)), offsets(span_of(b.offsets)),
          centers(span_of(b.centers)), neighbors(span_of(b.neighbors)), reverse(span_of(b.reverse)),
          edge_pair(span_of(b.edge_pair)), vectors(span_of(b.vectors)), distances(span_of(b.distances)),
          pair_edge(span_of(b.pair_edge)), numbers(span_of(b.numbers)), cutoff(b.cutoff) {}

    index_t n_graphs() const { return atom_offsets.size - 1; }
    index_t n_atoms() const { return graph_of_atom.size; }
    index_t n_edges() const { return neighbors.size; }
    index_t n_pairs() const { return pair_edge.size; }
};

// A batch's index arrays and geometry copied to backend B's memory (a device), for the layers
// there; view() is what they read. On the host a GraphBatch is viewed directly, without a copy.
template <class B>
struct GraphBatchCopy {
    Buffer<B, index_t> atom_offsets, graph_of_atom, offsets, centers, neighbors, reverse, edge_pair, pair_edge;
    Buffer<B, double> vectors, distances;
    Buffer<B, int> numbers;
    double cutoff = 0;

    GraphBatchCopy(const B& b, const GraphBatch& batch) : cutoff(batch.cutoff) {
        upload(b, batch.atom_offsets, atom_offsets);
        upload(b, batch.graph_of_atom, graph_of_atom);
        upload(b, batch.offsets, offsets);
        upload(b, batch.centers, centers);
        upload(b, batch.neighbors, neighbors);
        upload(b, batch.reverse, reverse);
        upload(b, batch.edge_pair, edge_pair);
        upload(b, batch.pair_edge, pair_edge);
        upload(b, batch.vectors, vectors);
        upload(b, batch.distances, distances);
        upload(b, batch.numbers, numbers);
    }
    GraphBatchView view() const {
        GraphBatchView v;
        v.atom_offsets = span_of(atom_offsets);
        v.graph_of_atom = span_of(graph_of_atom);
        v.offsets = span_of(offsets);
        v.centers = span_of(centers);
        v.neighbors = span_of(neighbors);
        v.reverse = span_of(reverse);
        v.edge_pair = span_of(edge_pair);
        v.vectors = span_of(vectors);
        v.distances = span_of(distances);
        v.pair_edge = span_of(pair_edge);
        v.numbers = span_of(numbers);
        v.cutoff = cutoff;
        return v;
    }
};

// Fills edge_pair and pair_edge from `reverse`: each edge and its reverse form one pair, indexed in
// the order of their lower edge.
inline void index_pairs(GraphBatch& b, const char* where) {
    b.edge_pair.assign(b.neighbors.size(), -1);
    b.pair_edge.clear();
    for (index_t e = 0; e < b.n_edges(); ++e) {
        const index_t r = b.reverse[std::size_t(e)];
        if (r == e)
            throw Error(str("edge ", e, " is its own reverse"), where,
                        "a list must not contain an atom paired with itself at zero shift");
        if (e < r) {
            b.edge_pair[std::size_t(e)] = b.edge_pair[std::size_t(r)] = b.n_pairs();
            b.pair_edge.push_back(e);
        }
    }
}

// Concatenates structures and their lists (built with one cutoff).
inline GraphBatch make_graph_batch(const std::vector<Structure>& structures, const std::vector<NeighborList>& lists) {
    if (structures.size() != lists.size())
        throw Error(str(structures.size(), " structures but ", lists.size(), " neighbour lists"), "make_graph_batch",
                    "pass one list per structure");
    GraphBatch b;
    b.atom_offsets.push_back(0);
    b.edge_offsets.push_back(0);
    b.offsets.push_back(0);
    for (std::size_t g = 0; g < structures.size(); ++g) {
        const Structure& s = structures[g];
        const NeighborList& nl = lists[g];
        const std::string where = str("make_graph_batch (structure ", g, ")");
        if (nl.n_atoms() != s.size())
            throw Error(str("the list has ", nl.n_atoms(), " atoms, the structure ", s.size()), where,
                        "build the list from this structure");
        if (g > 0 && nl.cutoff != b.cutoff)
            throw Error(str("cutoff ", nl.cutoff, " differs from the batch's ", b.cutoff), where,
                        "build every list with the model's cutoff");
        b.cutoff = nl.cutoff;
        const index_t a0 = b.atom_offsets.back(), e0 = b.edge_offsets.back();
        b.numbers.insert(b.numbers.end(), s.numbers.begin(), s.numbers.end());
        b.positions.insert(b.positions.end(), s.positions.begin(), s.positions.end());
        b.lattices.push_back(s.cell.completed_lattice());
        for (index_t i = 0; i < s.size(); ++i) {
            b.graph_of_atom.push_back(index_t(g));
            b.offsets.push_back(e0 + nl.offsets[std::size_t(i) + 1]);
        }
        for (index_t e = 0; e < nl.n_edges(); ++e) {
            b.centers.push_back(a0 + nl.centers[std::size_t(e)]);
            b.neighbors.push_back(a0 + nl.neighbors[std::size_t(e)]);
            b.reverse.push_back(e0 + nl.reverse[std::size_t(e)]);
        }
        b.shifts.insert(b.shifts.end(), nl.shifts.begin(), nl.shifts.end());
        b.vectors.insert(b.vectors.end(), nl.vectors.begin(), nl.vectors.end());
        b.distances.insert(b.distances.end(), nl.distances.begin(), nl.distances.end());
        b.atom_offsets.push_back(a0 + s.size());
        b.edge_offsets.push_back(e0 + nl.n_edges());
    }
    index_pairs(b, "make_graph_batch");
    return b;
}

// Builds the lists with `cutoff` (default options), then batches.
inline GraphBatch make_graph_batch(const std::vector<Structure>& structures, double cutoff, const Host& host = {}) {
    std::vector<NeighborList> lists;
    lists.reserve(structures.size());
    for (const Structure& s : structures) lists.push_back(build_neighbor_list(s, cutoff, NeighborOptions{}, host));
    return make_graph_batch(structures, lists);
}

}  // namespace eipnn
