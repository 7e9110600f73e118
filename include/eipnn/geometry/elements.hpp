// Chemical symbols <-> atomic numbers. Structures store atomic numbers; files store symbols.
#pragma once
#include <array>
#include <string>

#include "eipnn/core/error.hpp"

namespace eipnn {

inline constexpr std::array<const char*, 119> kElementSymbols = {
    "X",  "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf",
    "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

// Returns 0 when the symbol is not an element (callers turn that into an error with context).
inline int atomic_number_or_zero(const std::string& symbol) {
    for (std::size_t z = 1; z < kElementSymbols.size(); ++z)
        if (symbol == kElementSymbols[z]) return int(z);
    return 0;
}

inline int atomic_number(const std::string& symbol, const std::string& where) {
    const int z = atomic_number_or_zero(symbol);
    if (z == 0)
        throw Error(str("unknown chemical symbol '", symbol, "'"), where,
                    "use a symbol of the periodic table with its capitalisation, e.g. 'Si'");
    return z;
}

inline const char* element_symbol(int z) {
    if (z < 1 || z >= int(kElementSymbols.size()))
        throw Error(str("atomic number ", z, " is not an element"), "element_symbol");
    return kElementSymbols[std::size_t(z)];
}

}  // namespace eipnn
