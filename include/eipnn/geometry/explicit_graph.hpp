// A GraphBatch from particles given explicitly, without a cell: every periodic image an MD engine
// needs is already a particle of its own (LAMMPS' ghosts, handed over through the KIM API), so
// all shifts are zero and an edge vector is r_j - r_i.
//
// The particles are split into two graphs: graph 0 = [0, n_first) (the atoms whose energy is
// wanted: KIM's contributing particles), graph 1 = [n_first, n) (ghosts). Edges may cross the two
// graphs; the models sum energies over each graph's atoms and read edges through the CSR offsets,
// so graph 0's energy is the energy of its atoms in the presence of the ghosts, and its gradient
// with respect to every particle position (ghosts included) is the exact force an MD engine wants.
//
// The candidate pairs come from an engine's neighbour lists, which may hold pairs beyond the
// model's cutoff (a skin) and may lack the reverse of a pair (KIM gives no lists for ghosts when
// the model says it needs none). So pairs are filtered with the library's own test (r^2 < rc^2,
// as in bin_grid.hpp), completed with their reverses, deduplicated and sorted by (centre,
// neighbour), which also makes the graph independent of the engine's list order.
//
// Two particles closer than min_distance are an error, as in neighbor_list.hpp (NeighborOptions):
// in MD it means the run has blown up (a time step too long, a model out of its domain) or the
// input overlaps two atoms, and the model's NaN or huge forces would let it go on silently.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/graph_batch.hpp"

namespace eipnn {

// positions (n, 3) Å; numbers (n) atomic numbers; candidates: directed pairs (i, j), i != j, in any
// order, either direction (duplicates allowed); cutoff: the model's; min_distance: Å, 0 = no check.
inline GraphBatch make_explicit_graph(const std::vector<double>& positions, const std::vector<int>& numbers,
                                      index_t n_first, std::vector<std::pair<index_t, index_t>> candidates,
                                      double cutoff, double min_distance = 0.1) {
    const char* where = "make_explicit_graph";
    const index_t n = index_t(numbers.size());
    if (positions.size() != 3 * numbers.size())
        throw Error(str(positions.size(), " coordinates for ", n, " particles"), where, "pass 3 coordinates per particle");
    if (n_first < 0 || n_first > n)
        throw Error(str("graph 0 has ", n_first, " of ", n, " particles"), where, "0 <= n_first <= n");
    if (!(cutoff > 0) || !std::isfinite(cutoff))
        throw Error(str("cutoff must be a positive finite number, got ", cutoff), where);
    const double cutoff_sq = cutoff * cutoff;
    const auto vec = [&](index_t i, index_t j, int c) {
        return positions[3 * std::size_t(j) + c] - positions[3 * std::size_t(i) + c];
    };
    // keep pairs inside the cutoff, each in both directions (the test is symmetric: the reverse
    // vector is the exact negation)
    std::vector<std::pair<index_t, index_t>> edges;
    edges.reserve(2 * candidates.size());
    for (const auto& [i, j] : candidates) {
        if (i < 0 || i >= n || j < 0 || j >= n)
            throw Error(str("pair (", i, ", ", j, ") names a particle outside [0, ", n, ")"), where);
        if (i == j) throw Error(str("particle ", i, " is paired with itself"), where, "drop self pairs");
        const double dx = vec(i, j, 0), dy = vec(i, j, 1), dz = vec(i, j, 2);
        const double r2 = dx * dx + dy * dy + dz * dz;
        if (r2 < min_distance * min_distance) {
            const auto at = [&](index_t k) {
                const double* p = &positions[3 * std::size_t(k)];
                return str("(", p[0], ", ", p[1], ", ", p[2], ")");
            };
            throw Error(str("particles ", i, " at ", at(i), " and ", j, " at ", at(j), " Å are ", std::sqrt(r2),
                            " Å apart, closer than the minimum ", min_distance, " Å"),
                        where, "two atoms overlap: check the input structure, or the run has blown up (shorter time step)");
        }
        if (r2 < cutoff_sq) {
            edges.emplace_back(i, j);
            edges.emplace_back(j, i);
        }
    }
    candidates.clear();
    candidates.shrink_to_fit();
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());

    GraphBatch b;
    b.cutoff = cutoff;
    b.numbers = numbers;
    b.positions = positions;
    const bool two = n_first < n;
    b.atom_offsets = two ? std::vector<index_t>{0, n_first, n} : std::vector<index_t>{0, n};
    b.lattices.assign(two ? 2 : 1, Mat3{});  // no cell: nothing refers to it when every shift is zero
    b.graph_of_atom.resize(std::size_t(n));
    for (index_t i = 0; i < n; ++i) b.graph_of_atom[std::size_t(i)] = i < n_first ? 0 : 1;
    const index_t E = index_t(edges.size());
    b.offsets.assign(std::size_t(n) + 1, 0);
    b.centers.resize(std::size_t(E));
    b.neighbors.resize(std::size_t(E));
    b.shifts.assign(3 * std::size_t(E), 0);
    b.vectors.resize(3 * std::size_t(E));
    b.distances.resize(std::size_t(E));
    for (index_t e = 0; e < E; ++e) {
        const auto [i, j] = edges[std::size_t(e)];
        b.centers[std::size_t(e)] = i;
        b.neighbors[std::size_t(e)] = j;
        ++b.offsets[std::size_t(i) + 1];
        double r2 = 0;
        for (int c = 0; c < 3; ++c) {
            const double d = vec(i, j, c);
            b.vectors[3 * std::size_t(e) + c] = d;
            r2 += d * d;
        }
        b.distances[std::size_t(e)] = std::sqrt(r2);
    }
    for (index_t i = 0; i < n; ++i) b.offsets[std::size_t(i) + 1] += b.offsets[std::size_t(i)];
    // edges are sorted by centre, so graph 0's edges are those of its atoms, first
    b.edge_offsets = two ? std::vector<index_t>{0, b.offsets[std::size_t(n_first)], E} : std::vector<index_t>{0, E};
    // reverse edge: binary search of (j, i) in j's sorted segment (it exists: both directions kept)
    b.reverse.resize(std::size_t(E));
    for (index_t e = 0; e < E; ++e) {
        const auto [i, j] = edges[std::size_t(e)];
        const auto first = edges.begin() + b.offsets[std::size_t(j)], last = edges.begin() + b.offsets[std::size_t(j) + 1];
        const auto it = std::lower_bound(first, last, std::make_pair(j, i));
        b.reverse[std::size_t(e)] = index_t(it - edges.begin());
    }
    index_pairs(b, where);
    return b;
}

}  // namespace eipnn
