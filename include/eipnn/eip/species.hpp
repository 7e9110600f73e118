// Which entry of a potential file an atom uses, as LAMMPS `pair_coeff * * FILE Si Si(C)` does.
//
// A SpeciesMap says, per atomic number, the element name to look up in the file ("Si" by default,
// "Si(C)" for T3 in SiCGe.tersoff, or "Si" for Ge atoms labelled with a Si potential). A
// SpeciesTable turns atomic numbers into the small indices a kernel reads: dense species indices
// for the three-body files (triplet_index.hpp), entry indices for one-entry-per-element files
// (resolve_species below: EAM, MEAM, EDIP, Morse).
#pragma once
#include <algorithm>
#include <array>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct SpeciesMap {
    std::map<int, std::string> names;  // atomic number -> entry name in the file

    SpeciesMap() = default;
    // {{"W", "Mo"}}: symbol -> entry name, as in code and tests.
    SpeciesMap(std::initializer_list<std::pair<std::string, std::string>> symbol_to_entry) {
        for (const auto& [symbol, entry] : symbol_to_entry) names[atomic_number(symbol, "species mapping")] = entry;
    }

    // "Si=Si(C),Ge=Si" (also ':' separated); symbols on the left, file names on the right.
    static SpeciesMap parse(const std::string& text, const std::string& where) {
        SpeciesMap m;
        std::string item;
        auto flush = [&] {
            if (item.empty()) return;
            const auto eq = item.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
                throw Error(str("species mapping '", item, "' is not SYMBOL=NAME"), where,
                            "write e.g. Si=Si(C) to use the file's Si(C) entry for silicon atoms");
            m.names[atomic_number(item.substr(0, eq), where)] = item.substr(eq + 1);
            item.clear();
        };
        for (char c : text) {
            if (c == ',' || c == ':') flush();
            else item += c;
        }
        flush();
        return m;
    }

    // The file entry name for atomic number z (its chemical symbol unless mapped).
    std::string name_for(int z) const {
        const auto it = names.find(z);
        return it != names.end() ? it->second : std::string(element_symbol(z));
    }

    std::string to_string() const {
        std::string s;
        for (const auto& [z, n] : names) s += (s.empty() ? "" : ",") + std::string(element_symbol(z)) + "=" + n;
        return s;
    }
};

// Atomic number -> species or entry index (-1 = not covered).
struct SpeciesTable {
    std::array<int, 119> index;
    std::vector<int> numbers;  // covered atomic numbers, in the order added (for add(): by index)

    SpeciesTable() { index.fill(-1); }

    // A new dense index for z (or its existing one).
    int add(int z) {
        if (index[std::size_t(z)] < 0) {
            index[std::size_t(z)] = int(numbers.size());
            numbers.push_back(z);
        }
        return index[std::size_t(z)];
    }
    // z uses index k (several atomic numbers may share one entry).
    void set(int z, int k) {
        if (index[std::size_t(z)] < 0) numbers.push_back(z);
        index[std::size_t(z)] = k;
    }
    int size() const { return int(numbers.size()); }

    std::vector<int> supported_numbers() const {
        std::vector<int> z = numbers;
        std::sort(z.begin(), z.end());
        return z;
    }

    // Index of every atom; throws naming the first atom whose element is not covered.
    std::vector<int> types_of(const std::vector<int>& atomic_numbers, const std::string& potential) const {
        std::vector<int> out(atomic_numbers.size());
        for (std::size_t i = 0; i < atomic_numbers.size(); ++i) {
            const int z = atomic_numbers[i];
            const int k = (z >= 0 && z < 119) ? index[std::size_t(z)] : -1;
            if (k < 0) {
                std::string have;
                for (int n : supported_numbers()) have += std::string(have.empty() ? "" : " ") + element_symbol(n);
                throw Error(str("atom ", i, " is ", (z >= 1 && z <= 118) ? element_symbol(z) : "?", " (Z = ", z,
                                "), which the potential has no entry for (it covers: ", have, ")"),
                            potential, "use a potential that covers it, or map it to an entry: NAME=STYLE:FILE:Ge=Si");
            }
            out[i] = k;
        }
        return out;
    }
    std::vector<int> species_of(const Structure& s, const std::string& potential) const {
        return types_of(s.numbers, potential);
    }
};

// For files with one entry per element (`entries` = their names, in file order): an entry named
// like an element serves that element unless the map sends the element elsewhere; each mapped
// element uses the entry it names. Indices are entry indices.
inline SpeciesTable resolve_species(const std::vector<std::string>& entries, const SpeciesMap& map,
                                    const std::string& source) {
    SpeciesTable out;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const int z = atomic_number_or_zero(entries[k]);
        if (z > 0 && map.names.count(z) == 0) out.set(z, int(k));
    }
    for (const auto& [z, entry] : map.names) {
        const auto it = std::find(entries.begin(), entries.end(), entry);
        if (it == entries.end()) {
            std::string have;
            for (const auto& e : entries) have += (have.empty() ? "" : ", ") + e;
            throw Error(str("the mapping ", element_symbol(z), "=", entry, " names an entry the file does not have"),
                        source, str("use one of: ", have));
        }
        out.set(z, int(it - entries.begin()));
    }
    return out;
}

}  // namespace eipnn
