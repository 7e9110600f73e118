// Potentials by name, for the command line and EIP pools:
//   make_potential("T3=tersoff:SiCGe.tersoff:Si=Si(C)")
// A spec is NAME=STYLE:SOURCE[:SYMBOL=ENTRY...]. STYLE is a LAMMPS pair-style name (sw, tersoff,
// tersoff/mod, ...); SOURCE is a potential file, looked up as given (relative to the working
// directory), then in each folder of $EIPNN_POTENTIALS (':'-separated), then in
// /usr/share/lammps/potentials (Debian's lammps-data); analytic styles may instead take a named
// parameter set. SYMBOL=ENTRY items map an element to a differently named entry of the file, as
// LAMMPS pair_coeff does.
//
// Adding a style is one line in `potential_styles()`: {"style", factory}, where the factory turns
// a PotentialSpec into a Potential.
#pragma once
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/eip/eam.hpp"
#include "eipnn/eip/eam_zjw.hpp"
#include "eipnn/eip/edip.hpp"
#include "eipnn/eip/meam_spline.hpp"
#include "eipnn/eip/morse.hpp"
#include "eipnn/eip/potential.hpp"
#include "eipnn/eip/species.hpp"
#include "eipnn/eip/sw.hpp"
#include "eipnn/eip/tersoff.hpp"
#include "eipnn/eip/tersoff_mod.hpp"

namespace eipnn {

struct PotentialSpec {
    std::string text;     // the spec as given, for messages
    std::string name;     // label, e.g. "T3" (used in column names: energy_T3)
    std::string style;    // e.g. "tersoff"
    std::string source;   // file or named parameter set, as given
    SpeciesMap map;       // SYMBOL=ENTRY overrides
};

inline PotentialSpec parse_potential_spec(const std::string& text) {
    const std::string where = "potential spec '" + text + "'";
    const std::string usage = "write NAME=STYLE:SOURCE[:Si=Si(C)...], e.g. T2=tersoff:Si.tersoff";
    PotentialSpec s;
    s.text = text;
    const auto eq = text.find('=');
    const auto colon = text.find(':');
    if (eq == std::string::npos || eq == 0 || (colon != std::string::npos && colon < eq))
        throw Error("missing NAME= at the start", where, usage);
    s.name = text.substr(0, eq);
    for (char c : s.name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            throw Error(str("the name '", s.name, "' may hold only letters, digits, '_', '-' and '.'"), where,
                        "it becomes part of extxyz keys such as energy_NAME");
    std::vector<std::string> parts;
    std::string cur;
    for (std::size_t k = eq + 1; k <= text.size(); ++k) {
        if (k == text.size() || text[k] == ':') {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += text[k];
        }
    }
    if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) throw Error("missing STYLE or SOURCE", where, usage);
    s.style = parts[0];
    s.source = parts[1];
    std::string mapping;
    for (std::size_t k = 2; k < parts.size(); ++k) mapping += (k > 2 ? "," : "") + parts[k];
    s.map = SpeciesMap::parse(mapping, where);
    return s;
}

// The folders searched for a potential file that is not found as given, in order.
inline std::vector<std::filesystem::path> potential_search_path() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("EIPNN_POTENTIALS")) {
        std::string cur;
        for (const char* c = env;; ++c) {
            if (*c == ':' || *c == '\0') {
                if (!cur.empty()) dirs.emplace_back(cur);
                cur.clear();
                if (*c == '\0') break;
            } else {
                cur += *c;
            }
        }
    }
    dirs.emplace_back("/usr/share/lammps/potentials");
    return dirs;
}

inline std::filesystem::path resolve_potential_file(const std::string& source, const std::string& where) {
    if (std::filesystem::is_regular_file(source)) return source;
    std::string looked = "'" + source + "' (working directory)";
    if (!std::filesystem::path(source).is_absolute())
        for (const auto& dir : potential_search_path()) {
            const auto p = dir / source;
            if (std::filesystem::is_regular_file(p)) return p;
            looked += ", " + p.string();
        }
    throw Error(str("potential file '", source, "' not found; looked at ", looked), where,
                "give a path, or set $EIPNN_POTENTIALS to the folder that holds it");
}

using PotentialFactory = std::function<std::unique_ptr<Potential>(const PotentialSpec&)>;

struct PotentialStyle {
    const char* style;
    const char* description;
    PotentialFactory make;
};

// Every style eipnn knows. One line per style.
inline const std::vector<PotentialStyle>& potential_styles() {
    static const std::vector<PotentialStyle> styles = {
        {"sw", "Stillinger-Weber, LAMMPS .sw file",
         [](const PotentialSpec& s) {
             return std::make_unique<StillingerWeber>(StillingerWeber::from_file(resolve_potential_file(s.source, s.text), s.map));
         }},
        {"tersoff", "Tersoff, LAMMPS .tersoff file (no shift)",
         [](const PotentialSpec& s) {
             return std::make_unique<Tersoff>(Tersoff::from_file(resolve_potential_file(s.source, s.text), s.map));
         }},
        {"tersoff/mod", "modified Tersoff (Kumagai 2007), LAMMPS .tersoff.mod file",
         [](const PotentialSpec& s) {
             return std::make_unique<TersoffMod>(TersoffMod::from_file(resolve_potential_file(s.source, s.text), s.map));
         }},
        {"edip", "EDIP, LAMMPS .edip file", [](const PotentialSpec& s) {
             return std::make_unique<EdipPotential>(EdipPotential::from_file(resolve_potential_file(s.source, s.text).string(), s.map));
         }},
        {"meam/spline", "spline MEAM, LAMMPS .meam.spline file", [](const PotentialSpec& s) {
             return std::make_unique<MeamSplinePotential>(MeamSplinePotential::from_file(resolve_potential_file(s.source, s.text).string(), s.map));
         }},
        {"eam", "EAM funcfl table, LAMMPS .eam file", [](const PotentialSpec& s) {
             return std::make_unique<EamPotential>(EamPotential::from_funcfl(resolve_potential_file(s.source, s.text).string(), s.map));
         }},
        {"eam/alloy", "EAM setfl table, LAMMPS .eam.alloy file", [](const PotentialSpec& s) {
             return std::make_unique<EamPotential>(EamPotential::from_setfl(resolve_potential_file(s.source, s.text).string(), s.map));
         }},
        {"eam/zjw", "analytic Zhou-Johnson-Wadley 2004 EAM, named parameter set", [](const PotentialSpec& s) {
             return std::make_unique<ZjwEamPotential>(ZjwEamPotential::named(s.source, s.map));
         }},
        {"morse", "shifted Morse (Girifalco-Weizer), named parameter set", [](const PotentialSpec& s) {
             return std::make_unique<MorsePotential>(MorsePotential::named(s.source, s.map));
         }},
    };
    return styles;
}

inline std::unique_ptr<Potential> make_potential(const PotentialSpec& spec) {
    for (const auto& st : potential_styles())
        if (spec.style == st.style) {
            try {
                return st.make(spec);
            } catch (const Error& e) {
                // keep the parser's file/line message, say which spec it came from
                throw Error(e.problem(), e.location() + " (from '" + spec.text + "')", e.hint());
            }
        }
    std::string known;
    for (const auto& st : potential_styles()) known += std::string(known.empty() ? "" : ", ") + st.style;
    throw Error(str("unknown style '", spec.style, "'"), "potential spec '" + spec.text + "'", "known styles: " + known);
}

inline std::unique_ptr<Potential> make_potential(const std::string& spec) { return make_potential(parse_potential_spec(spec)); }

}  // namespace eipnn
