// The default EIP pool of each element (METHOD.md; the paper's Si pool, as far as the LAMMPS and
// OpenKIM files here reach), as `eipnn label` specifications NAME=STYLE:SOURCE[:mapping].
//  Si: Stillinger–Weber (1985), the optimised SW1 of Zhang, Xie, Hu (2014), Tersoff T2 and T3,
//      Erhart–Albe, Kumagai (modified Tersoff), EDIP, spline-MEAM (Lenosky et al.).
//  Ge: Tersoff's Ge parameters (Ge.tersoff) and the Ge entry of the multi-component SiCGe set.
//  Mo: the Park–Fellinger–Lenosky spline-MEAM, the Zhou–Johnson–Wadley EAM and the three
//      Girifalco–Weizer shifted-Morse cutoffs.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"

namespace eipnn {

inline std::vector<std::string> default_eip_pool(const std::string& element) {
    if (element == "Si")
        return {"SW=sw:Si.sw",
                "SW1=sw:Si_ZhangXieHu_2014_OptimizedSW1.sw",
                "T2=tersoff:Si.tersoff",
                "T3=tersoff:SiCGe.tersoff:Si=Si(C)",
                "EA=tersoff:SiC_Erhart-Albe.tersoff",
                "Kumagai=tersoff/mod:Si.tersoff.mod",
                "EDIP=edip:Si.edip",
                "MEAM=meam/spline:Si_1.meam.spline"};
    if (element == "Ge") return {"T_Ge=tersoff:Ge.tersoff", "T_SiCGe=tersoff:SiCGe.tersoff"};
    if (element == "Mo")
        return {"MEAM=meam/spline:Mo_ParkFellingerLenosky_2012.meam.spline",
                "ZJW=eam/alloy:Mo_ZhouJohnsonWadley_2004.eam.alloy",
                "Morse_low=morse:GirifalcoWeizer_Mo_low",
                "Morse_medium=morse:GirifalcoWeizer_Mo_medium",
                "Morse_high=morse:GirifalcoWeizer_Mo_high"};
    throw Error(str("no default EIP pool for '", element, "'"), "default_eip_pool", "use Si, Ge or Mo, or pass --eip");
}

}  // namespace eipnn
