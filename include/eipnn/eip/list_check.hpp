// The check Potential::compute (and the device evaluation) makes before trusting a neighbour list
// it was handed. A kernel reads a list without bounds checks, so a list built for another
// structure, with a shorter cutoff, or without the reverse-edge index of a full list would give
// wrong numbers or read past the end instead of an error.
#pragma once
#include <cstddef>
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/neighbor_list.hpp"

namespace eipnn {

// What the check reads of a list: sizes only, so a device list can be described without copying
// it back to the host.
struct NeighborListShape {
    double cutoff = 0;                 // Å, the cutoff the list was built with
    index_t n_atoms = 0;               // offsets.size() - 1
    index_t n_edges = 0;               // neighbors.size()
    index_t edges_in_offsets = 0;      // offsets[n_atoms] (n_edges where it cannot be read cheaply)
    std::size_t n_vectors = 0;         // vectors.size(), 3 per edge
    std::size_t n_distances = 0;       // distances.size(), 1 per edge
    std::size_t n_reverse = 0;         // reverse.size(), 1 per edge in a full list
};

inline NeighborListShape shape_of(const NeighborList& nl) {
    return {nl.cutoff,           nl.n_atoms(),        nl.n_edges(),     nl.offsets.empty() ? 0 : nl.offsets.back(),
            nl.vectors.size(),   nl.distances.size(), nl.reverse.size()};
}

// Throws unless the list belongs to a structure of `n_atoms` atoms, reaches at least `cutoff` (Å)
// and is a complete full list (every per-edge array sized, the reverse-edge index present).
inline void check_neighbor_list(const NeighborListShape& nl, index_t n_atoms, double cutoff,
                                const std::string& potential) {
    const char* rebuild = "build the list with build_neighbor_list(s, potential.cutoff())";
    if (nl.n_atoms != n_atoms)
        throw Error(str("the neighbour list has ", nl.n_atoms, " atoms, the structure ", n_atoms), potential,
                    str("the list belongs to another structure: ", rebuild));
    if (!(nl.cutoff >= cutoff))
        throw Error(str("the neighbour list cutoff ", nl.cutoff, " Å is below the potential's ", cutoff, " Å"),
                    potential, rebuild);
    const std::size_t edges = std::size_t(nl.n_edges);
    if (nl.edges_in_offsets != nl.n_edges || nl.n_vectors != 3 * edges || nl.n_distances != edges)
        throw Error(str("the neighbour list is incomplete: offsets end at ", nl.edges_in_offsets, " for ", nl.n_edges,
                        " edges, with ", nl.n_vectors, " vector components and ", nl.n_distances, " distances"),
                    potential, rebuild);
    if (nl.n_reverse != edges)
        throw Error(str("the neighbour list has ", nl.n_reverse, " reverse-edge entries for ", nl.n_edges,
                        " edges: it is not a full list"),
                    potential, str("potentials need every edge i->j with its reverse j->i; ", rebuild));
}

}  // namespace eipnn
