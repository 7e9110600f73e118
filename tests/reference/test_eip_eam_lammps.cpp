// Tabulated EAM against LAMMPS `pair_style eam` (funcfl) and `eam/alloy` (setfl) with the same
// files: the same spline scheme, so energies to 1e-10 relative and forces to 1e-9 eV/Å.
#include <set>

#include "eipnn/eip/eam.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

void alloy(Structure& s, int z_other, unsigned seed) {
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < s.numbers.size(); ++i)
        if (rng() % 2) s.numbers[i] = z_other;
}

}  // namespace

TEST_CASE("eam funcfl Cu_u3 matches LAMMPS pair_style eam", "[eip][eam][lammps]") {
    const auto file = lammps::lammps_potential_or_skip("Cu_u3.eam");
    const auto pot = EamPotential::from_funcfl(file.string());
    lammps::Setup setup;
    setup.interactions = "pair_style eam\npair_coeff 1 1 " + file.string();
    for (const auto& [name, s] : standard_structures("fcc", 3.615, 29, 11, 1.3 * 3.615)) compare_to_lammps(pot, s, setup, "eam-Cu-" + name);
}

TEST_CASE("eam funcfl Cu_u3 + Ni_u3 (different grids) matches LAMMPS", "[eip][eam][lammps]") {
    const auto cu = lammps::lammps_potential_or_skip("Cu_u3.eam");
    const auto ni = lammps::lammps_potential_or_skip("Ni_u3.eam");
    const auto pot = EamPotential::from_funcfl(std::vector<std::string>{cu.string(), ni.string()});
    lammps::Setup setup;  // types in increasing Z: 1 = Ni, 2 = Cu
    setup.interactions = "pair_style eam\npair_coeff 1 1 " + ni.string() + "\npair_coeff 2 2 " + cu.string();
    unsigned seed = 21;
    for (auto& [name, s] : standard_structures("fcc", 3.57, 29, 21, 1.3 * 3.57)) {
        alloy(s, 28, ++seed);
        if (std::set<int>(s.numbers.begin(), s.numbers.end()).size() < 2) s.numbers[0] = 28;
        compare_to_lammps(pot, s, setup, "eam-CuNi-" + name);
    }
}

TEST_CASE("eam/alloy Al_zhou matches LAMMPS", "[eip][eam][lammps]") {
    const auto file = lammps::lammps_potential_or_skip("Al_zhou.eam.alloy");
    const auto pot = EamPotential::from_setfl(file.string());
    const auto setup = lammps::file_setup("eam/alloy", file);
    for (const auto& [name, s] : standard_structures("fcc", 4.05, 13, 31, 1.3 * 4.05)) compare_to_lammps(pot, s, setup, "eamalloy-Al-" + name);
}

TEST_CASE("eam/alloy AlCu (two elements) matches LAMMPS", "[eip][eam][lammps]") {
    const auto file = lammps::lammps_potential_or_skip("AlCu.eam.alloy");
    const auto pot = EamPotential::from_setfl(file.string());
    const auto setup = lammps::file_setup("eam/alloy", file);
    unsigned seed = 41;
    for (auto& [name, s] : standard_structures("fcc", 3.9, 13, 41, 1.3 * 3.9)) {
        alloy(s, 29, ++seed);
        if (std::set<int>(s.numbers.begin(), s.numbers.end()).size() < 2) s.numbers[0] = 29;
        compare_to_lammps(pot, s, setup, "eamalloy-AlCu-" + name);
    }
}

TEST_CASE("eam/alloy Mo_ZhouJohnsonWadley_2004 matches LAMMPS", "[eip][eam][lammps]") {
    const auto file = data_file_or_skip("potentials/Mo_ZhouJohnsonWadley_2004.eam.alloy");
    const auto pot = EamPotential::from_setfl(file.string());
    const auto setup = lammps::file_setup("eam/alloy", file);
    for (const auto& [name, s] : standard_structures("bcc", 3.147, 42, 51, 1.3 * 3.147)) compare_to_lammps(pot, s, setup, "eamalloy-Mo-" + name);
}

TEST_CASE("eam/alloy with a species mapping uses the mapped entry", "[eip][eam][lammps]") {
    // W atoms evaluated with the Al entry of Al_zhou: LAMMPS gets "Al" for the W type.
    const auto file = lammps::lammps_potential_or_skip("Al_zhou.eam.alloy");
    const auto pot = EamPotential::from_setfl(file.string(), {{"W", "Al"}});
    CHECK(pot.supported_numbers() == std::vector<int>{13, 74});
    const auto setup = lammps::file_setup("eam/alloy", file, {{74, "Al"}});
    Structure s = crystal("fcc", 4.05, 2, 1, 1, 74);
    rattle(s, 0.1, 61);
    compare_to_lammps(pot, s, setup, "eamalloy-mapped");
}
