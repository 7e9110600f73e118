// Which entry of a potential file each chemical element uses. By default an entry named like an
// element ("Si") serves that element; a mapping {"Si": "Si(C)"} makes Si atoms use the entry
// "Si(C)" instead (what LAMMPS' pair_coeff element list does). The result is a table from atomic
// number to entry index, -1 where the file has nothing for that element.
#pragma once
#include <array>
#include <map>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"

namespace eipnn {

using SpeciesMapping = std::map<std::string, std::string>;  // species symbol -> entry name

struct SpeciesEntries {
    std::array<int, 119> entry_of_number;  // atomic number -> entry index or -1

    SpeciesEntries() { entry_of_number.fill(-1); }

    std::vector<int> supported_numbers() const {
        std::vector<int> z;
        for (int k = 1; k < 119; ++k)
            if (entry_of_number[std::size_t(k)] >= 0) z.push_back(k);
        return z;
    }

    // Per-atom entry indices; throws naming the first atom whose element the file lacks.
    std::vector<int> types_of(const std::vector<int>& numbers, const std::string& source) const {
        std::vector<int> types(numbers.size());
        for (std::size_t i = 0; i < numbers.size(); ++i) {
            const int z = numbers[i];
            const int e = (z >= 1 && z < 119) ? entry_of_number[std::size_t(z)] : -1;
            if (e < 0)
                throw Error(str("atom ", i, " is ", (z >= 1 && z < 119) ? element_symbol(z) : "?", " (Z = ", z,
                                "), which the potential has no entry for"),
                            source, "use a potential that covers this element, or map it with ':El=Entry'");
            types[i] = e;
        }
        return types;
    }
};

inline SpeciesEntries resolve_species(const std::vector<std::string>& entries, const SpeciesMapping& mapping,
                                      const std::string& source) {
    SpeciesEntries out;
    auto find = [&](const std::string& name) {
        for (std::size_t k = 0; k < entries.size(); ++k)
            if (entries[k] == name) return int(k);
        return -1;
    };
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const int z = atomic_number_or_zero(entries[k]);
        if (z > 0 && mapping.count(entries[k]) == 0) out.entry_of_number[std::size_t(z)] = int(k);
    }
    for (const auto& [species, entry] : mapping) {
        const int z = atomic_number(species, source + " (species mapping)");
        const int k = find(entry);
        if (k < 0) {
            std::string have;
            for (const auto& e : entries) have += (have.empty() ? "" : ", ") + e;
            throw Error(str("the mapping ", species, "=", entry, " names an entry the file does not have"), source,
                        str("use one of: ", have));
        }
        out.entry_of_number[std::size_t(z)] = k;
    }
    return out;
}

}  // namespace eipnn
