// Full periodic neighbour lists in CSR form: every directed edge i -> j (j may be a periodic
// image, or i itself in cells smaller than the cutoff) with its integer shift S, the vector
// r_ij = (r_j - r_i) + S · lattice (exactly antisymmetric between an edge and its reverse), its length, and the index of the reverse edge j -> i (shift -S).
// Edges are sorted by centre, then by (j, S), so the list is canonical: the same for any thread
// count, binning or backend. Per-atom sums over edges are segment reductions; contributions that
// belong to the other end of an edge are gathered through `reverse`, never scattered.
#pragma once
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/large_vector.hpp"
#include "eipnn/geometry/bin_grid.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct NeighborOptions {
    // Two atoms closer than this are an error: no potential is defined there and a silent NaN
    // downstream would be worse. 0 disables the check.
    double min_distance = 0.1;  // Å
    // Upper bound on total bins relative to atoms, so sparse free clusters stay linear in memory.
    double max_bins_per_atom = 4.0;
};

// The per-edge arrays are LargeVectors (core/large_vector.hpp): every evaluation streams them.
struct NeighborList {
    double cutoff = 0;
    LargeVector<index_t> offsets;     // (n_atoms + 1) edges of atom i: [offsets[i], offsets[i+1])
    LargeVector<index_t> centers;     // (n_edges) i
    LargeVector<index_t> neighbors;   // (n_edges) j
    LargeVector<int> shifts;          // (n_edges, 3) integer image of j
    LargeVector<double> vectors;      // (n_edges, 3) (r_j - r_i) + S · lattice, Å
    LargeVector<double> distances;    // (n_edges) |vectors|
    LargeVector<index_t> reverse;     // (n_edges) edge j -> i with shift -S
    LargeVector<std::uint64_t> sort_keys;  // (n_edges) edge_sort_key(j, S): the order inside a segment

    // Per-atom scratch kept between rebuilds, so an MD loop does not reallocate (and, on VMs where
    // first-touch page faults are expensive, does not fault) on every step.
    struct Scratch {
        std::vector<int> wrap;              // (n_atoms, 3)
        std::vector<index_t> bin_of_atom;   // (n_atoms)
        std::vector<index_t> bin_start;     // (n_bins + 1)
        std::vector<index_t> atoms_in_bins; // (n_atoms)
        std::vector<index_t> counts;        // (n_atoms)
    } scratch;

    index_t n_atoms() const { return index_t(offsets.empty() ? 0 : offsets.size() - 1); }
    index_t n_edges() const { return index_t(neighbors.size()); }
    index_t degree(index_t i) const { return offsets[std::size_t(i) + 1] - offsets[std::size_t(i)]; }
};

// What the kernels read of a list, as views into the memory of whichever backend holds it
// (view_of here for the host's list; kernels/eipnn/cuda/neighbor_list.cuh for the device's).
struct NeighborListView {
    index_t n_atoms = 0, n_edges = 0;
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    Span<const index_t> reverse;        // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const double> distances;       // (n_edges)
};

inline NeighborListView view_of(const NeighborList& nl) {
    return {nl.n_atoms(), nl.n_edges(), span_of(nl.offsets), span_of(nl.neighbors), span_of(nl.reverse),
            matrix_of(nl.vectors, 3), span_of(nl.distances)};
}

// Plans bins for a structure and cutoff. O(n) for the free-direction extents, O(1) otherwise.
inline BinGrid plan_bin_grid(const Structure& s, double cutoff, const NeighborOptions& opt) {
    const Mat3 L = s.cell.completed_lattice();
    const Mat3 inv = inverse(L);
    BinGrid g{};
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            g.lattice[a][b] = L[a][b];
            g.inverse[a][b] = inv[a][b];
        }
    g.cutoff_sq = cutoff * cutoff;
    Cell completed = s.cell;
    completed.lattice = L;
    // A relative safety margin so an atom rounded into the neighbouring bin is still reached.
    constexpr double kMargin = 1.0 + 1e-9;
    for (int d = 0; d < 3; ++d) {
        g.periodic[d] = s.cell.has_lattice && s.cell.pbc[d];
        const double width = completed.perpendicular_width(d);
        if (g.periodic[d]) {
            g.lo[d] = 0.0;
            g.span[d] = 1.0;
        } else {
            double fmin = 0, fmax = 0;
            for (index_t i = 0; i < s.size(); ++i) {
                const double f = s.positions[3 * i] * inv[0][d] + s.positions[3 * i + 1] * inv[1][d] +
                                 s.positions[3 * i + 2] * inv[2][d];
                fmin = i == 0 ? f : std::min(fmin, f);
                fmax = i == 0 ? f : std::max(fmax, f);
            }
            g.lo[d] = fmin;
            g.span[d] = fmax > fmin ? fmax - fmin : 1.0;
        }
        const double length = g.span[d] * width;  // Cartesian extent covered along d's normal
        // clamped before the conversion (a tiny cutoff or a huge extent would overflow index_t);
        // the cap below brings the product down to what the atoms need anyway
        g.n_bins[d] = index_t(std::min(std::max(1.0, std::floor(length / (cutoff * kMargin))), double(1 << 20)));
    }
    // Cap the bin count (dense periodic systems never hit it; huge sparse clusters would).
    const double max_bins = std::max(27.0, opt.max_bins_per_atom * s.size());
    while (double(g.n_bins[0]) * g.n_bins[1] * g.n_bins[2] > max_bins) {
        int largest = 0;
        for (int d = 1; d < 3; ++d)
            if (g.n_bins[d] > g.n_bins[largest]) largest = d;
        g.n_bins[largest] = std::max<index_t>(1, g.n_bins[largest] / 2);
    }
    for (int d = 0; d < 3; ++d) {
        const double width = completed.perpendicular_width(d);
        const double bin_fraction = g.span[d] / g.n_bins[d];
        const double reach = std::ceil(cutoff / width / bin_fraction * kMargin);
        if (!g.periodic[d]) {
            g.reach[d] = index_t(std::min<double>(reach, g.n_bins[d]));
        } else {
            if (reach > kMaxShift * double(g.n_bins[d]) / 2)
                throw Error(str("the cutoff ", cutoff, " Å spans more than ", kMaxShift / 2,
                                " periodic images along lattice vector ", d, " (cell width ", width, " Å)"),
                            "neighbor_list", "use a larger cell or a smaller cutoff");
            g.reach[d] = index_t(reach);
        }
    }
    return g;
}

namespace detail {

inline void check_min_distance(const NeighborList& nl, double min_distance) {
    for (index_t e = 0; e < nl.n_edges(); ++e)
        if (nl.distances[std::size_t(e)] < min_distance)
            throw Error(str("atoms ", nl.centers[std::size_t(e)], " and ", nl.neighbors[std::size_t(e)],
                            " (image ", nl.shifts[3 * std::size_t(e)], " ", nl.shifts[3 * std::size_t(e) + 1], " ",
                            nl.shifts[3 * std::size_t(e) + 2], ") are ", nl.distances[std::size_t(e)],
                            " Å apart, closer than the minimum ", min_distance, " Å"),
                        "neighbor_list", "remove the overlapping atom or lower NeighborOptions::min_distance");
}

inline void check_shift_range(const NeighborList& nl) {
    for (int s : nl.shifts)
        if (s > kMaxShift || s < -kMaxShift)
            throw Error(str("an atom lies ", s, " cells away from the home cell"), "neighbor_list",
                        "wrap positions into the cell before building the list");
}

}  // namespace detail

namespace detail {

// Sorts the edges of one centre, [begin, end), by their keys, permuting every edge array in
// place through a small per-thread buffer (segments are short: tens of edges).
inline void sort_segment(NeighborList& nl, index_t begin, index_t end) {
    const index_t len = end - begin;
    if (len < 2) return;
    bool sorted = true;
    for (index_t e = begin + 1; e < end && sorted; ++e) sorted = nl.sort_keys[e - 1] < nl.sort_keys[e];
    if (sorted) return;
    struct Row {
        std::uint64_t key;
        index_t j;
        int s[3];
        double v[3];
        double d;
    };
    thread_local std::vector<Row> rows;
    rows.resize(std::size_t(len));
    for (index_t k = 0; k < len; ++k) {
        const std::size_t e = std::size_t(begin + k);
        rows[std::size_t(k)] = Row{nl.sort_keys[e], nl.neighbors[e], {nl.shifts[3 * e], nl.shifts[3 * e + 1], nl.shifts[3 * e + 2]},
                                   {nl.vectors[3 * e], nl.vectors[3 * e + 1], nl.vectors[3 * e + 2]}, nl.distances[e]};
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
    for (index_t k = 0; k < len; ++k) {
        const std::size_t e = std::size_t(begin + k);
        const Row& r = rows[std::size_t(k)];
        nl.sort_keys[e] = r.key;
        nl.neighbors[e] = r.j;
        nl.distances[e] = r.d;
        for (int c = 0; c < 3; ++c) {
            nl.shifts[3 * e + c] = r.s[c];
            nl.vectors[3 * e + c] = r.v[c];
        }
    }
}

}  // namespace detail

// Host builder: O(n) binning by counting sort, then count / scan / fill / sort / reverse.
// Rebuilds `nl` in place, reusing its memory.
inline void rebuild_neighbor_list(NeighborList& nl, const Structure& s, double cutoff, const NeighborOptions& opt = {},
                                  const Host& host = {}) {
    if (!(cutoff > 0) || !std::isfinite(cutoff))
        throw Error(str("cutoff must be a positive finite number, got ", cutoff), "neighbor_list");
    s.validate("neighbor_list");
    nl.cutoff = cutoff;
    const index_t n = s.size();
    nl.offsets.assign(std::size_t(n) + 1, 0);
    if (n == 0) {
        for (auto* v : {&nl.centers, &nl.neighbors, &nl.reverse}) v->clear();
        nl.shifts.clear();
        nl.vectors.clear();
        nl.distances.clear();
        nl.sort_keys.clear();
        return;
    }
    // Edge arrays are resized below without clearing: every element is overwritten, and a resize
    // to the same size touches no memory.
    auto& sc = nl.scratch;

    const BinGrid grid = plan_bin_grid(s, cutoff, opt);
    sc.wrap.resize(3 * std::size_t(n));
    sc.bin_of_atom.resize(std::size_t(n));
    for_each(host, n, AtomBinner{grid, s.positions_view(), matrix_of(sc.wrap, 3), span_of(sc.bin_of_atom)});

    // counting sort of atoms by bin (stable: atoms in a bin stay in index order)
    const index_t n_bins = grid.total_bins();
    sc.bin_start.assign(std::size_t(n_bins) + 1, 0);
    for (index_t b : sc.bin_of_atom) ++sc.bin_start[std::size_t(b) + 1];
    std::partial_sum(sc.bin_start.begin(), sc.bin_start.end(), sc.bin_start.begin());
    sc.atoms_in_bins.resize(std::size_t(n));
    sc.counts.assign(sc.bin_start.begin(), sc.bin_start.end() - 1);  // used as insertion cursors here
    for (index_t i = 0; i < n; ++i) sc.atoms_in_bins[std::size_t(sc.counts[std::size_t(sc.bin_of_atom[i])]++)] = i;

    const NeighborSearch search{grid, s.positions_view(), matrix_of(std::as_const(sc.wrap), 3),
                                span_of(std::as_const(sc.bin_of_atom)), span_of(std::as_const(sc.bin_start)),
                                span_of(std::as_const(sc.atoms_in_bins))};
    sc.counts.resize(std::size_t(n));
    for_each_dynamic(host, n, NeighborCounter{search, span_of(sc.counts)});
    std::int64_t total = 0;
    for (index_t i = 0; i < n; ++i) {
        nl.offsets[std::size_t(i)] = index_t(total);
        total += sc.counts[std::size_t(i)];
    }
    if (total > std::int64_t(INT32_MAX))
        throw Error(str("the list would hold ", total, " edges, more than 2^31"), "neighbor_list",
                    "split the structure or lower the cutoff");
    nl.offsets[std::size_t(n)] = index_t(total);

    const std::size_t ne = std::size_t(total);
    nl.centers.resize(ne);
    nl.neighbors.resize(ne);
    nl.shifts.resize(3 * ne);
    nl.vectors.resize(3 * ne);
    nl.distances.resize(ne);
    nl.sort_keys.resize(ne);
    // fill, then put each centre's edges in canonical order while they are still in cache
    const NeighborFiller fill{search, span_of(std::as_const(nl.offsets)), span_of(nl.centers),
                              span_of(nl.neighbors), matrix_of(nl.shifts, 3), matrix_of(nl.vectors, 3),
                              span_of(nl.distances), span_of(nl.sort_keys)};
    for_each_dynamic(host, n, [&](index_t i) {
        fill(i);
        detail::sort_segment(nl, nl.offsets[std::size_t(i)], nl.offsets[std::size_t(i) + 1]);
    });
    detail::check_shift_range(nl);

    nl.reverse.resize(ne);
    for_each(host, index_t(ne),
             ReverseEdgeFinder{span_of(std::as_const(nl.offsets)), span_of(std::as_const(nl.centers)),
                               span_of(std::as_const(nl.neighbors)), matrix_of(std::as_const(nl.shifts), 3),
                               span_of(std::as_const(nl.sort_keys)), span_of(nl.reverse)});
    for (std::size_t e = 0; e < ne; ++e)
        if (nl.reverse[e] < 0)
            throw Error(str("edge ", e, " has no reverse edge"), "neighbor_list",
                        "this is a bug in eipnn; please report the structure");
    if (opt.min_distance > 0) detail::check_min_distance(nl, opt.min_distance);
}

inline NeighborList build_neighbor_list(const Structure& s, double cutoff, const NeighborOptions& opt = {},
                                        const Host& host = {}) {
    NeighborList nl;
    rebuild_neighbor_list(nl, s, cutoff, opt, host);
    return nl;
}

}  // namespace eipnn
