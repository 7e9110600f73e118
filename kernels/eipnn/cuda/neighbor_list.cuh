// The neighbour list on the device: the same grid plan and the same functors as the host builder
// (geometry/bin_grid.hpp), with CUB doing the sorts and the scan. The result is the host's list,
// edge for edge, because both visit candidates in the same order and sort each centre's edges by
// the same 64-bit key.
//
//   plan (host, O(1) / O(n))  ->  AtomBinner  ->  radix sort (bin id, atom)  ->  BinStartFinder
//   ->  NeighborCounter  ->  exclusive scan  ->  NeighborFiller  ->  segmented radix sort by key
//   ->  GatherRows  ->  ReverseEdgeFinder
#pragma once
#include <numeric>

#include "eipnn/core/gather.hpp"
#include "eipnn/cuda/backend.cuh"
#include "eipnn/geometry/neighbor_list.hpp"

namespace eipnn::gpu {

struct DeviceNeighborList {
    double cutoff = 0;
    index_t n_atoms = 0;
    index_t n_edges = 0;
    DeviceBuffer<index_t> d_offsets;    // (n_atoms + 1)
    DeviceBuffer<index_t> d_centers;    // (n_edges)
    DeviceBuffer<index_t> d_neighbors;  // (n_edges)
    DeviceBuffer<int> d_shifts;         // (n_edges, 3)
    DeviceBuffer<double> d_vectors;     // (n_edges, 3)
    DeviceBuffer<double> d_distances;   // (n_edges)
    DeviceBuffer<index_t> d_reverse;    // (n_edges)
    DeviceBuffer<std::uint64_t> d_sort_keys;  // (n_edges)

    NeighborList download() const {
        NeighborList nl;
        nl.cutoff = cutoff;
        d_offsets.download_into(nl.offsets);
        d_centers.download_into(nl.centers);
        d_neighbors.download_into(nl.neighbors);
        d_shifts.download_into(nl.shifts);
        d_vectors.download_into(nl.vectors);
        d_distances.download_into(nl.distances);
        d_reverse.download_into(nl.reverse);
        d_sort_keys.download_into(nl.sort_keys);
        return nl;
    }
};

// The list as the backend-generic code reads it (geometry/neighbor_list.hpp).
inline NeighborListView view_of(const DeviceNeighborList& nl) {
    return {nl.n_atoms,
            nl.n_edges,
            nl.d_offsets.span(),
            nl.d_neighbors.span(),
            nl.d_reverse.span(),
            nl.d_vectors.matrix(3),
            nl.d_distances.span()};
}

// Builds the list for a host structure whose positions are uploaded here; `d_positions` may be
// given to reuse positions already on the device (n_atoms, 3).
inline DeviceNeighborList build_neighbor_list(const Cuda& dev, const Structure& s, double cutoff,
                                              const NeighborOptions& opt = {}) {
    if (!(cutoff > 0) || !std::isfinite(cutoff))
        throw Error(str("cutoff must be a positive finite number, got ", cutoff), "gpu::build_neighbor_list");
    s.validate("gpu::build_neighbor_list");
    DeviceNeighborList nl;
    nl.cutoff = cutoff;
    const index_t n = s.size();
    nl.n_atoms = n;
    nl.d_offsets.upload(std::vector<index_t>(std::size_t(n) + 1, 0));
    if (n == 0) return nl;

    TempStorage tmp;
    const BinGrid grid = plan_bin_grid(s, cutoff, opt);
    DeviceBuffer<double> d_positions(s.positions);
    DeviceBuffer<int> d_wrap(3 * std::size_t(n));
    DeviceBuffer<index_t> d_bin_of_atom(n);
    for_each(dev, n, AtomBinner{grid, d_positions.matrix(3), d_wrap.matrix(3), d_bin_of_atom.span()});

    // atoms sorted by bin (stable, so atoms in a bin keep index order as on the host)
    std::vector<index_t> iota(static_cast<std::size_t>(n));
    std::iota(iota.begin(), iota.end(), index_t(0));
    DeviceBuffer<index_t> d_atom_ids(iota), d_sorted_bins(n), d_atoms_in_bins(n);
    radix_sort_pairs<index_t, index_t>(dev, d_bin_of_atom.span(), d_sorted_bins.span(), d_atom_ids.span(),
                                       d_atoms_in_bins.span(), tmp);
    DeviceBuffer<index_t> d_bin_start(std::size_t(grid.total_bins()) + 1);
    for_each(dev, grid.total_bins() + 1, BinStartFinder{d_sorted_bins.span(), d_bin_start.span()});

    const NeighborSearch search{grid, d_positions.matrix(3), std::as_const(d_wrap).matrix(3),
                                std::as_const(d_bin_of_atom).span(), std::as_const(d_bin_start).span(),
                                std::as_const(d_atoms_in_bins).span()};
    DeviceBuffer<index_t> d_counts(std::size_t(n) + 1);
    EIPNN_CUDA_CHECK(cudaMemsetAsync(d_counts.data(), 0, d_counts.size() * sizeof(index_t), dev.stream));
    for_each(dev, n, NeighborCounter{search, Span<index_t>{d_counts.data(), n}});
    exclusive_scan<index_t>(dev, std::as_const(d_counts).span(), nl.d_offsets.span(), tmp);
    index_t n_edges = 0;
    EIPNN_CUDA_CHECK(cudaMemcpy(&n_edges, nl.d_offsets.data() + n, sizeof(index_t), cudaMemcpyDeviceToHost));
    nl.n_edges = n_edges;
    if (n_edges == 0) return nl;

    const std::size_t ne = std::size_t(n_edges);
    DeviceBuffer<index_t> d_neighbors(ne);
    DeviceBuffer<int> d_shifts(3 * ne);
    DeviceBuffer<double> d_vectors(3 * ne), d_distances(ne);
    DeviceBuffer<std::uint64_t> d_keys(ne);
    nl.d_centers.resize(ne);
    for_each(dev, n,
             NeighborFiller{search, std::as_const(nl.d_offsets).span(), nl.d_centers.span(), d_neighbors.span(),
                            d_shifts.matrix(3), d_vectors.matrix(3), d_distances.span(), d_keys.span()});

    // canonical order inside each centre's segment, then every edge array gathered through it
    std::vector<index_t> edge_ids(ne);
    std::iota(edge_ids.begin(), edge_ids.end(), index_t(0));
    DeviceBuffer<index_t> d_edge_ids(edge_ids), d_order(ne);
    DeviceBuffer<std::uint64_t>& d_sorted_keys = nl.d_sort_keys;
    d_sorted_keys.resize(ne);
    segmented_radix_sort_pairs<std::uint64_t, index_t>(dev, std::as_const(nl.d_offsets).span(),
                                                       std::as_const(d_keys).span(), d_sorted_keys.span(),
                                                       std::as_const(d_edge_ids).span(), d_order.span(), tmp);
    const Span<const index_t> order = std::as_const(d_order).span();
    nl.d_neighbors.resize(ne);
    nl.d_shifts.resize(3 * ne);
    nl.d_vectors.resize(3 * ne);
    nl.d_distances.resize(ne);
    for_each(dev, n_edges, GatherRows<index_t>{order, std::as_const(d_neighbors).matrix(1), nl.d_neighbors.matrix(1)});
    for_each(dev, n_edges, GatherRows<int>{order, std::as_const(d_shifts).matrix(3), nl.d_shifts.matrix(3)});
    for_each(dev, n_edges, GatherRows<double>{order, std::as_const(d_vectors).matrix(3), nl.d_vectors.matrix(3)});
    for_each(dev, n_edges, GatherRows<double>{order, std::as_const(d_distances).matrix(1), nl.d_distances.matrix(1)});

    nl.d_reverse.resize(ne);
    for_each(dev, n_edges,
             ReverseEdgeFinder{std::as_const(nl.d_offsets).span(), std::as_const(nl.d_centers).span(),
                               std::as_const(nl.d_neighbors).span(), std::as_const(nl.d_shifts).matrix(3),
                               std::as_const(d_sorted_keys).span(), nl.d_reverse.span()});
    // Rare failure paths are diagnosed on the host with the host's messages.
    if (opt.min_distance > 0 && reduce_min<double>(dev, std::as_const(nl.d_distances).span(), opt.min_distance, tmp) < opt.min_distance)
        eipnn::detail::check_min_distance(nl.download(), opt.min_distance);
    return nl;
}

}  // namespace eipnn::gpu
