// The cell-list grid behind the neighbour list, and the per-atom functors that search it.
// Shared by the host builder (neighbor_list.hpp) and the device builder
// (kernels/eipnn/cuda/neighbor_list.cuh): the grid is planned on the host in O(1), and the
// functors below are the only code that touches atoms, so both paths produce the same edges.
//
// Geometry of the search: in a triclinic cell a displacement of length rc changes the fractional
// coordinate along direction d by at most rc / w_d, with w_d the perpendicular width of the cell
// along d. Bins of fractional size s_d therefore need a search range of ceil(rc / (w_d s_d)) bins
// either side; for cells smaller than the cutoff that range exceeds the bin count, and the extra
// bins are periodic images, which is how many images of one atom enter the list.
#pragma once
#include <cmath>
#include <cstdint>

#include "eipnn/core/config.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

struct BinGrid {
    double lattice[3][3];   // completed lattice, rows a, b, c
    double inverse[3][3];   // f = r · inverse
    double lo[3];           // fractional origin of bin 0 (0 for periodic directions)
    double span[3];         // fractional length covered by the bins (1 for periodic directions)
    index_t n_bins[3];      // bins per direction
    index_t reach[3];       // bins searched on either side
    bool periodic[3];
    double cutoff_sq;

    EIPNN_HD index_t total_bins() const { return n_bins[0] * n_bins[1] * n_bins[2]; }
    EIPNN_HD index_t flat(index_t b0, index_t b1, index_t b2) const {
        return (b0 * n_bins[1] + b1) * n_bins[2] + b2;
    }
};

// Floor division for possibly negative numerators.
EIPNN_HD index_t floor_div(index_t a, index_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Per atom: the integer wrap (image of the home cell the atom is moved into), and its bin.
struct AtomBinner {
    BinGrid grid;
    MatrixView<const double> positions;  // (n_atoms, 3)
    MatrixView<int> wrap;                // (n_atoms, 3) out: home = position - wrap · lattice
    Span<index_t> bin_of_atom;           // (n_atoms) out

    EIPNN_HD void operator()(index_t i) const {
        index_t b[3];
        for (int d = 0; d < 3; ++d) {
            const double f = positions(i, 0) * grid.inverse[0][d] + positions(i, 1) * grid.inverse[1][d] +
                             positions(i, 2) * grid.inverse[2][d];
            double g;
            if (grid.periodic[d]) {
                const double w = std::floor(f);
                wrap(i, d) = int(w);
                g = f - w;  // in [0, 1]; 1 only by rounding, clamped below
            } else {
                wrap(i, d) = 0;
                g = (f - grid.lo[d]) / grid.span[d];
            }
            index_t k = index_t(g * grid.n_bins[d]);
            k = k < 0 ? 0 : (k >= grid.n_bins[d] ? grid.n_bins[d] - 1 : k);
            b[d] = k;
        }
        bin_of_atom[i] = grid.flat(b[0], b[1], b[2]);
    }
};

// bin_start[b] = first position of bin b in the bin-sorted atom order (CSR over bins), found by
// binary search in the sorted bin ids; used where a counting sort is not available (the device).
struct BinStartFinder {
    Span<const index_t> sorted_bins;  // (n_atoms) bin id of each atom, ascending
    Span<index_t> bin_start;          // (n_bins + 1) out

    EIPNN_HD void operator()(index_t b) const {
        index_t lo = 0, hi = sorted_bins.size;
        while (lo < hi) {
            const index_t mid = lo + (hi - lo) / 2;
            if (sorted_bins[mid] < b) lo = mid + 1; else hi = mid;
        }
        bin_start[b] = lo;
    }
};

// Visits every (j, shift) within the cutoff of atom i, in a fixed order. The edge vector is
// defined from the raw positions, r_j + shift · lattice - r_i, so the edge set does not depend on
// how atoms were binned. Self-pairs at zero shift are skipped.
struct NeighborSearch {
    BinGrid grid;
    MatrixView<const double> positions;   // (n_atoms, 3)
    MatrixView<const int> wrap;           // (n_atoms, 3)
    Span<const index_t> bin_of_atom;      // (n_atoms)
    Span<const index_t> bin_start;        // (n_bins + 1) CSR over bins
    Span<const index_t> atoms_in_bins;    // (n_atoms) atom indices sorted by bin

    template <class Visit>
    EIPNN_HD void for_neighbors(index_t i, Visit&& visit) const {
        index_t home = bin_of_atom[i];
        const index_t b2 = home % grid.n_bins[2];
        home /= grid.n_bins[2];
        const index_t b1 = home % grid.n_bins[1];
        const index_t b0 = home / grid.n_bins[1];
        const index_t bi[3] = {b0, b1, b2};
        const double xi = positions(i, 0), yi = positions(i, 1), zi = positions(i, 2);
        for (index_t o0 = -grid.reach[0]; o0 <= grid.reach[0]; ++o0) {
            index_t c0, img0;
            if (!resolve(0, bi[0] + o0, c0, img0)) continue;
            for (index_t o1 = -grid.reach[1]; o1 <= grid.reach[1]; ++o1) {
                index_t c1, img1;
                if (!resolve(1, bi[1] + o1, c1, img1)) continue;
                for (index_t o2 = -grid.reach[2]; o2 <= grid.reach[2]; ++o2) {
                    index_t c2, img2;
                    if (!resolve(2, bi[2] + o2, c2, img2)) continue;
                    const index_t bin = grid.flat(c0, c1, c2);
                    for (index_t k = bin_start[bin]; k < bin_start[bin + 1]; ++k) {
                        const index_t j = atoms_in_bins[k];
                        // home_k = r_k - wrap_k · L, so the image (home_j + img · L) - home_i is
                        // r_j + (img - wrap_j + wrap_i) · L - r_i in raw positions
                        const int s0 = img0 - wrap(j, 0) + wrap(i, 0);
                        const int s1 = img1 - wrap(j, 1) + wrap(i, 1);
                        const int s2 = img2 - wrap(j, 2) + wrap(i, 2);
                        if (j == i && s0 == 0 && s1 == 0 && s2 == 0) continue;
                        // (r_j - r_i) + S·L, associated this way so the reverse edge's vector is
                        // exactly the negation (IEEE rounding is symmetric), and the cutoff test
                        // therefore keeps or drops both directions of a pair together.
                        const double dx = (positions(j, 0) - xi) + (s0 * grid.lattice[0][0] + s1 * grid.lattice[1][0] +
                                                                    s2 * grid.lattice[2][0]);
                        const double dy = (positions(j, 1) - yi) + (s0 * grid.lattice[0][1] + s1 * grid.lattice[1][1] +
                                                                    s2 * grid.lattice[2][1]);
                        const double dz = (positions(j, 2) - zi) + (s0 * grid.lattice[0][2] + s1 * grid.lattice[1][2] +
                                                                    s2 * grid.lattice[2][2]);
                        const double r2 = dx * dx + dy * dy + dz * dz;
                        if (r2 < grid.cutoff_sq) visit(j, s0, s1, s2, dx, dy, dz, r2);
                    }
                }
            }
        }
    }

    // Bin coordinate c along d -> (bin inside the grid, periodic image); false if outside a free
    // direction's range.
    EIPNN_HD bool resolve(int d, index_t c, index_t& bin, index_t& image) const {
        if (grid.periodic[d]) {
            image = floor_div(c, grid.n_bins[d]);
            bin = c - image * grid.n_bins[d];
            return true;
        }
        image = 0;
        bin = c;
        return c >= 0 && c < grid.n_bins[d];
    }
};

// Canonical order of a centre's edges: by neighbour index, then by image shift. One 64-bit key,
// so the host (std::sort) and the device (segmented radix sort) agree. Shifts must lie within
// +-kMaxShift, which the builders check.
inline constexpr int kMaxShift = 1023;
EIPNN_HD std::uint64_t edge_sort_key(index_t j, int s0, int s1, int s2) {
    const std::uint64_t u0 = std::uint64_t(s0 + kMaxShift), u1 = std::uint64_t(s1 + kMaxShift),
                        u2 = std::uint64_t(s2 + kMaxShift);
    return (std::uint64_t(std::uint32_t(j)) << 33) | (u0 << 22) | (u1 << 11) | u2;
}

struct NeighborCounter {
    NeighborSearch search;
    Span<index_t> counts;  // (n_atoms) out

    EIPNN_HD void operator()(index_t i) const {
        index_t n = 0;
        search.for_neighbors(i, [&](index_t, int, int, int, double, double, double, double) { ++n; });
        counts[i] = n;
    }
};

struct NeighborFiller {
    NeighborSearch search;
    Span<const index_t> offsets;      // (n_atoms + 1)
    Span<index_t> centers;            // (n_edges) out
    Span<index_t> neighbors;          // (n_edges) out
    MatrixView<int> shifts;           // (n_edges, 3) out
    MatrixView<double> vectors;       // (n_edges, 3) out
    Span<double> distances;           // (n_edges) out
    Span<std::uint64_t> sort_keys;    // (n_edges) out

    EIPNN_HD void operator()(index_t i) const {
        index_t e = offsets[i];
        search.for_neighbors(i, [&](index_t j, int s0, int s1, int s2, double dx, double dy, double dz, double r2) {
            centers[e] = i;
            neighbors[e] = j;
            shifts(e, 0) = s0;
            shifts(e, 1) = s1;
            shifts(e, 2) = s2;
            vectors(e, 0) = dx;
            vectors(e, 1) = dy;
            vectors(e, 2) = dz;
            distances[e] = std::sqrt(r2);
            sort_keys[e] = edge_sort_key(j, s0, s1, s2);
            ++e;
        });
    }
};

// reverse[e] = index of the edge j -> i with the opposite shift, found by binary search in j's
// (sorted) segment. Every edge has one because the cutoff test is symmetric.
struct ReverseEdgeFinder {
    Span<const index_t> offsets;
    Span<const index_t> centers;
    Span<const index_t> neighbors;
    MatrixView<const int> shifts;
    Span<const std::uint64_t> sort_keys;
    Span<index_t> reverse;  // (n_edges) out; -1 if not found (a builder bug, checked on the host)

    EIPNN_HD void operator()(index_t e) const {
        const index_t j = neighbors[e];
        const std::uint64_t key = edge_sort_key(centers[e], -shifts(e, 0), -shifts(e, 1), -shifts(e, 2));
        index_t lo = offsets[j], hi = offsets[j + 1];
        while (lo < hi) {
            const index_t mid = lo + (hi - lo) / 2;
            if (sort_keys[mid] < key) lo = mid + 1; else hi = mid;
        }
        reverse[e] = (lo < offsets[j + 1] && sort_keys[lo] == key) ? lo : -1;
    }
};

}  // namespace eipnn
