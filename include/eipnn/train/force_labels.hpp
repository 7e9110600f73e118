// The check that a prepared set can be trained on forces (and stresses) before any training starts:
// a configuration without usable labels stops the run with a message naming it, instead of a
// NaN loss or an out-of-range read many epochs later.
#pragma once
#include <cmath>
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

// Throws an eipnn::Error naming the configuration's source ("file frame k") and `what` (the set's
// role, e.g. "training set") when a configuration has no forces, a force array whose length is not
// 3 * n_atoms, a non-finite force, or (need_stress) no stress or a stress that is not 9 finite
// numbers. load_dataset already rejects non-finite forces and malformed stress entries at read
// time; this covers sets from other data, from hand assembly (PreparedSet's label vectors may be
// shorter than its structures) and labels edited after loading. Items marked in `weak` (one entry
// per configuration, optional) carry weak energy labels only and are skipped.
inline void require_force_labels(const PreparedSet& set, bool need_stress, const std::string& what,
                                 const std::vector<char>* weak = nullptr) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        if (weak && weak->at(i)) continue;
        const std::string where =
            str(what, ": ", i < set.sources.size() && !set.sources[i].empty() ? set.sources[i] : str("configuration ", i));
        const std::size_t n_atoms = std::size_t(set.structures[i].size());
        if (i >= set.forces.size() || set.forces[i].empty())
            throw Error("configuration has no force labels", where,
                        "give every configuration a 'forces' column, or train on energies only");
        const std::vector<double>& f = set.forces[i];
        if (f.size() != 3 * n_atoms)
            throw Error(str("has ", f.size(), " force components for ", n_atoms, " atoms (expected ", 3 * n_atoms, ")"),
                        where, "give three force components per atom");
        for (std::size_t k = 0; k < f.size(); ++k)
            if (!std::isfinite(f[k]))
                throw Error(str("force component ", "xyz"[k % 3], " of atom ", k / 3, " is ", f[k]), where,
                            "remove the configuration or fix its labels");
        if (!need_stress) continue;
        if (i >= set.stress.size() || set.stress[i].empty())
            throw Error("configuration has no stress label", where,
                        "give every configuration a 'virial_stress_kbar' entry, or train without the stress term");
        const std::vector<double>& s = set.stress[i];
        if (s.size() != 9)
            throw Error(str("stress label has ", s.size(), " components, not 9"), where,
                        "store sigma as 9 components (train/stress_labels.hpp)");
        for (std::size_t k = 0; k < 9; ++k)
            if (!std::isfinite(s[k]))
                throw Error(str("stress component ", "xyz"[k / 3], "xyz"[k % 3], " is ", s[k]), where,
                            "remove the configuration or fix its labels");
    }
}

}  // namespace eipnn
