// Configurations ready for a model: structures with their neighbour lists (built once, at the
// model's cutoff) and labels. Batches are assembled from these without recomputing lists.
#pragma once
#include <algorithm>
#include <vector>

#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/train/dataset.hpp"

namespace eipnn {

struct PreparedSet {
    std::vector<Structure> structures;
    std::vector<NeighborList> lists;
    std::vector<double> energies;           // eV, total per configuration
    std::vector<std::string> config_types;
    std::vector<std::string> sources;
    // Added after the members above so that aggregate initialisations written before them still
    // mean the same. Sets assembled by hand may leave these shorter than structures: train/
    // force_labels.hpp treats a missing entry as "no label".
    std::vector<std::vector<double>> forces;  // per configuration (n_atoms*3) eV/Å, empty when absent
    std::vector<std::vector<double>> stress;  // per configuration (9) eV/Å^3, sigma = -W/V, or empty

    std::size_t size() const { return structures.size(); }

    GraphBatch batch(const std::vector<std::size_t>& items) const {
        std::vector<Structure> s;
        std::vector<NeighborList> l;
        s.reserve(items.size());
        l.reserve(items.size());
        for (std::size_t i : items) {
            s.push_back(structures.at(i));
            l.push_back(lists.at(i));
        }
        return make_graph_batch(s, l);
    }
};

// Appends configuration h of `from` (with its list and labels) to `to`.
inline void append_item(const PreparedSet& from, std::size_t h, PreparedSet& to) {
    to.structures.push_back(from.structures.at(h));
    to.lists.push_back(from.lists.at(h));
    to.energies.push_back(from.energies.at(h));
    to.config_types.push_back(h < from.config_types.size() ? from.config_types[h] : std::string());
    to.sources.push_back(h < from.sources.size() ? from.sources[h] : std::string());
    to.forces.push_back(h < from.forces.size() ? from.forces[h] : std::vector<double>{});
    to.stress.push_back(h < from.stress.size() ? from.stress[h] : std::vector<double>{});
}

// Configurations idx of a set (any order) as a set of their own.
inline PreparedSet subset_of(const PreparedSet& set, const std::vector<std::size_t>& idx) {
    PreparedSet out;
    for (std::size_t i : idx) append_item(set, i, out);
    return out;
}

// What code written once for a set held whole and one spread over ranks (parallel/sharded_set.hpp,
// the same names) reads of a configuration.
inline double energy_label(const PreparedSet& set, std::size_t i) { return set.energies.at(i); }
inline const std::vector<int>& atomic_numbers(const PreparedSet& set, std::size_t i) { return set.structures.at(i).numbers; }
// Every configuration's energy label, in set order, of either kind of set.
template <class Set>
std::vector<double> energy_labels(const Set& set) {
    std::vector<double> e(set.size());
    for (std::size_t i = 0; i < set.size(); ++i) e[i] = energy_label(set, i);
    return e;
}

// Calls f(items) for consecutive batches of indices 0..n-1 of at most batch_size each (evaluation
// order: predictions, validation metrics, input statistics).
template <class F>
void for_each_batch(std::size_t n, std::size_t batch_size, F&& f) {
    std::vector<std::size_t> items;
    for (std::size_t b = 0; b < n; b += batch_size) {
        items.clear();
        for (std::size_t i = b; i < std::min(n, b + batch_size); ++i) items.push_back(i);
        f(items);
    }
}

inline PreparedSet prepare(const Dataset& d, double cutoff, const Host& host = {}) {
    PreparedSet p;
    for (const Sample& s : d.samples) {
        try {
            p.lists.push_back(build_neighbor_list(s.structure, cutoff, NeighborOptions{}, host));
        } catch (const Error& e) {
            throw Error(e.problem(), s.source + " (" + e.location() + ")", e.hint());
        }
        p.structures.push_back(s.structure);
        p.energies.push_back(s.energy);
        p.config_types.push_back(s.config_type);
        p.sources.push_back(s.source);
        p.forces.push_back(s.forces);
        p.stress.push_back(s.stress);
    }
    return p;
}

}  // namespace eipnn
