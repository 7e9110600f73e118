// Three-body potential files (sw, tersoff, tersoff/mod) hold one entry per ordered element
// triplet (i, j, k). TripletIndex resolves which species a potential covers and which entry each
// species triplet uses, the way LAMMPS `pair_coeff * * FILE names...` does: a species is covered
// when its (mapped) name has a self entry "X X X"; a missing or duplicate triplet is an error when
// a structure needs it.
#pragma once
#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/eip/species.hpp"

namespace eipnn {

struct TripletIndex {
    SpeciesTable species;
    std::vector<int> entry;                 // (n^3) entry index for species (i, j, k), -1 if absent
    std::vector<std::string> names;         // (n_species) file name of each species

    int n() const { return species.size(); }
    int at(int i, int j, int k) const { return entry[std::size_t((i * n() + j) * n() + k)]; }

    // elements[e] = the three names of entry e. `source` names the file in messages.
    static TripletIndex build(const std::vector<std::array<std::string, 3>>& elements, const SpeciesMap& map,
                              const std::string& source) {
        TripletIndex t;
        std::set<std::string> self;
        for (const auto& el : elements)
            if (el[0] == el[1] && el[1] == el[2]) self.insert(el[0]);
        for (int z = 1; z <= 118; ++z) {
            const std::string name = map.name_for(z);
            if (self.count(name)) {
                t.species.add(z);
                t.names.push_back(name);
            }
        }
        for (const auto& [z, name] : map.names)
            if (!self.count(name))
                throw Error(str("no entry '", name, " ", name, " ", name, "' for ", element_symbol(z)), source,
                            "check the element names in the file (mappings are SYMBOL=NAME)");
        if (t.n() == 0)
            throw Error("no entry of the file is for a chemical element", source,
                        "map an element to one of its entries, e.g. Si=Si(C)");
        const int n = t.n();
        // entries by their three names (several species may share a name through the mapping)
        std::map<std::array<std::string, 3>, int> by_names;
        for (std::size_t e = 0; e < elements.size(); ++e)
            if (!by_names.emplace(elements[e], int(e)).second)
                throw Error(str("duplicate entry for ", elements[e][0], " ", elements[e][1], " ", elements[e][2]),
                            source, "keep one entry per element triplet");
        t.entry.assign(std::size_t(n * n * n), -1);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < n; ++k) {
                    const auto it = by_names.find({t.names[std::size_t(i)], t.names[std::size_t(j)], t.names[std::size_t(k)]});
                    if (it != by_names.end()) t.entry[std::size_t((i * n + j) * n + k)] = it->second;
                }
        return t;
    }

    // Throws when a triplet among the species present (flags per species) has no entry.
    void check_complete(const std::vector<char>& present, const std::string& source) const {
        for (int i = 0; i < n(); ++i)
            for (int j = 0; j < n(); ++j)
                for (int k = 0; k < n(); ++k)
                    if (present[std::size_t(i)] && present[std::size_t(j)] && present[std::size_t(k)] && at(i, j, k) < 0)
                        throw Error(str("the file has no entry '", names[std::size_t(i)], " ", names[std::size_t(j)], " ",
                                        names[std::size_t(k)], "', needed by this structure"),
                                    source, "use a file with every triplet of the structure's elements");
    }

    // The completeness check for the species of a structure (its atoms' species indices).
    void check_types(const std::vector<int>& types, const std::string& source) const {
        std::vector<char> present(std::size_t(n()), 0);
        for (int k : types) present[std::size_t(k)] = 1;
        check_complete(present, source);
    }
};

}  // namespace eipnn
