// LAMMPS "metal" units for molecular dynamics: Å, eV, ps, g/mol, K.
#pragma once
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"

namespace eipnn::md {

inline constexpr double kBoltzmann = 8.617333262e-5;      // eV/K (CODATA 2018)
// 1 g/mol · Å²/ps² in eV: (1e-3 kg / N_A)(1e-10 m)²/(1e-12 s)² / e = 1.0364269e-4 eV
inline constexpr double kMv2ToEv = 1.0364269e-4;

// Standard atomic weights (IUPAC, abridged to four or five significant figures) of the elements
// empirical potentials are commonly made for; others must be passed explicitly.
inline double atomic_mass(int z) {
    switch (z) {
        case 1: return 1.008;    case 2: return 4.0026;   case 3: return 6.94;     case 4: return 9.0122;
        case 5: return 10.81;    case 6: return 12.011;   case 7: return 14.007;   case 8: return 15.999;
        case 9: return 18.998;   case 10: return 20.180;  case 11: return 22.990;  case 12: return 24.305;
        case 13: return 26.982;  case 14: return 28.0855; case 15: return 30.974;  case 16: return 32.06;
        case 17: return 35.45;   case 18: return 39.948;  case 19: return 39.098;  case 20: return 40.078;
        case 22: return 47.867;  case 23: return 50.942;  case 24: return 51.996;  case 25: return 54.938;
        case 26: return 55.845;  case 27: return 58.933;  case 28: return 58.693;  case 29: return 63.546;
        case 30: return 65.38;   case 31: return 69.723;  case 32: return 72.630;  case 33: return 74.922;
        case 34: return 78.971;  case 40: return 91.224;  case 41: return 92.906;  case 42: return 95.95;
        case 44: return 101.07;  case 45: return 102.91;  case 46: return 106.42;  case 47: return 107.87;
        case 48: return 112.41;  case 49: return 114.82;  case 50: return 118.71;  case 51: return 121.76;
        case 52: return 127.60;  case 73: return 180.95;  case 74: return 183.84;  case 75: return 186.21;
        case 76: return 190.23;  case 77: return 192.22;  case 78: return 195.08;  case 79: return 196.97;
        case 82: return 207.2;   case 83: return 208.98;
        default: break;
    }
    throw Error(str("no atomic mass tabulated for ", z >= 1 && z <= 118 ? element_symbol(z) : "Z=?", " (Z = ", z, ")"),
                "md::atomic_mass", "pass the masses explicitly");
}

}  // namespace eipnn::md
