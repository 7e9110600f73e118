// Tabulated EAM: forces and virial against central differences of the energy, invariances, and
// float against double, on a rattled sheared alloy cell and a free cluster.
#include <filesystem>

#include "eipnn/eip/eam.hpp"
#include "gradcheck/eip_checks.hpp"
#include "reference/lammps_harness.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

std::filesystem::path lammps_file_or_skip(const std::string& name) { return lammps::lammps_potential_or_skip(name); }

Structure alloy_cell(unsigned seed) {
    Structure s = sheared(crystal("fcc", 3.9, 2, 2, 1, 13), seed);
    std::mt19937_64 rng(seed);
    for (auto& z : s.numbers)
        if (rng() % 2) z = 29;
    rattle(s, 0.15, seed + 1);
    return s;
}

}  // namespace

TEST_CASE("eam/alloy AlCu forces and virial match finite differences", "[eip][eam][fd]") {
    const auto pot = EamPotential::from_setfl(lammps_file_or_skip("AlCu.eam.alloy").string());
    check_finite_differences(pot, alloy_cell(3), "eam/alloy AlCu sheared");
    Structure blob = crystal("fcc", 3.9, 2, 2, 2, 13);
    rattle(blob, 0.1, 4);
    check_finite_differences(pot, cluster_of(blob, 5.0), "eam/alloy Al cluster");
}

TEST_CASE("eam funcfl Cu+Ni forces and virial match finite differences", "[eip][eam][fd]") {
    const auto pot = EamPotential::from_funcfl(
        std::vector<std::string>{lammps_file_or_skip("Cu_u3.eam").string(), lammps_file_or_skip("Ni_u3.eam").string()});
    Structure s = sheared(crystal("fcc", 3.57, 2, 2, 1, 29), 7);
    for (std::size_t i = 0; i < s.numbers.size(); i += 3) s.numbers[i] = 28;
    rattle(s, 0.15, 8);
    check_finite_differences(pot, s, "eam CuNi sheared");
}

TEST_CASE("eam densities beyond the F table: linear extension is differentiable", "[eip][eam][fd]") {
    // A compressed cell pushes rho past rhomax of Cu_u3 (F is continued linearly there).
    const auto pot = EamPotential::from_funcfl(lammps_file_or_skip("Cu_u3.eam").string());
    Structure s = crystal("fcc", 2.2, 1, 1, 1, 29);
    rattle(s, 0.05, 9);
    const auto r = pot.compute(s);
    REQUIRE(std::isfinite(r.energy));
    // density of atom 0 from the same spline, to be sure the test reaches the linear part
    const auto nl = build_neighbor_list(s, pot.cutoff());
    const auto& t = pot.tables();
    const auto rho_spline = uniform_table_spline(t.rhor[0], t.dr);
    double rho0 = 0;
    for (index_t e = nl.offsets[0]; e < nl.offsets[1]; ++e)
        if (nl.distances[std::size_t(e)] < t.cut)
            rho0 += table_value(rho_spline.data(), table_point(nl.distances[std::size_t(e)], 1.0 / t.dr, t.nr));
    REQUIRE(rho0 > t.rhomax);
    check_finite_differences(pot, s, "eam Cu compressed");
}

TEST_CASE("eam invariances and float precision", "[eip][eam][invariance][float]") {
    const auto pot = EamPotential::from_setfl(lammps_file_or_skip("AlCu.eam.alloy").string());
    const Structure s = alloy_cell(12);
    check_invariances(pot, s, "eam/alloy AlCu");
    check_float_matches_double(pot, s, "eam/alloy AlCu");
    Structure blob = crystal("fcc", 3.9, 2, 2, 2, 29);
    rattle(blob, 0.1, 13);
    check_invariances(pot, cluster_of(blob, 5.0), "eam/alloy Cu cluster");
}
