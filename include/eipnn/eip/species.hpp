// Which entry of a potential file an atom uses, as LAMMPS `pair_coeff * * FILE Si Si(C)` does.
//
// A SpeciesMap says, per atomic number, the element name to look up in the file ("Si" by default,
// "Si(C)" for T3 in SiCGe.tersoff, or "Si" for Ge atoms labelled with a Si potential). A
// SpeciesTable turns atomic numbers into the dense species indices a kernel reads.
#pragma once
#include <array>
#include <map>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct SpeciesMap {
    std::map<int, std::string> names;  // atomic number -> entry name in the file

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

// Atomic number -> species index (-1 = not covered), for the species a potential was built for.
struct SpeciesTable {
    std::array<int, 119> index;
    std::vector<int> numbers;  // (n_species) atomic number of each species

    SpeciesTable() { index.fill(-1); }

    int add(int z) {
        if (index[std::size_t(z)] < 0) {
            index[std::size_t(z)] = int(numbers.size());
            numbers.push_back(z);
        }
        return index[std::size_t(z)];
    }
    int size() const { return int(numbers.size()); }

    // Species index of every atom; throws naming the first atom whose element is not covered.
    std::vector<int> species_of(const Structure& s, const std::string& potential) const {
        std::vector<int> out(s.numbers.size());
        for (std::size_t i = 0; i < s.numbers.size(); ++i) {
            const int z = s.numbers[i];
            const int k = (z >= 0 && z < 119) ? index[std::size_t(z)] : -1;
            if (k < 0) {
                std::string have;
                for (int n : numbers) have += std::string(have.empty() ? "" : " ") + element_symbol(n);
                throw Error(str("atom ", i, " is ", (z >= 1 && z <= 118) ? element_symbol(z) : "?",
                                ", which the potential does not cover (it covers: ", have, ")"),
                            potential, "map the element to an entry of the file, e.g. NAME=STYLE:FILE:Ge=Si");
            }
            out[i] = k;
        }
        return out;
    }
};

}  // namespace eipnn
