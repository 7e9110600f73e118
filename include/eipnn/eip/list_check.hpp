// The check every Potential::compute makes before trusting a neighbour list it was handed.
#pragma once
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

// Throws unless `nl` belongs to `s` and reaches at least `cutoff` (Å).
inline void check_neighbor_list(const Structure& s, const NeighborList& nl, double cutoff, const std::string& potential) {
    if (nl.n_atoms() != s.size())
        throw Error(str("the neighbour list has ", nl.n_atoms(), " atoms, the structure ", s.size()), potential,
                    "build the list for this structure");
    if (nl.cutoff < cutoff)
        throw Error(str("the neighbour list cutoff ", nl.cutoff, " Å is below the potential's ", cutoff, " Å"),
                    potential, "build the list with build_neighbor_list(s, potential.cutoff())");
}

}  // namespace eipnn
