// EDIP (Si.edip parameters) against the OpenKIM model EDIP_JustoBazantKaxiras_1998_Si through
// LAMMPS `pair_style kim`: both evaluate the analytic form (LAMMPS' own pair_style edip uses
// interpolation tables and is not an exact oracle), so energies to 1e-10 relative, forces 1e-9 eV/Å.
// The model provides neither per-atom energies nor virials (LAMMPS warns and reports zeros), so
// those are checked here only through their sums: the total energy; the virial is covered by the
// finite-difference test (tests/gradcheck/test_eip_edip_fd.cpp).
#include "eipnn/eip/edip.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

TEST_CASE("edip Si matches the OpenKIM EDIP_JustoBazantKaxiras_1998_Si model", "[eip][edip][kim]") {
    const auto file = lammps::lammps_potential_or_skip("Si.edip");
    const auto pot = EdipPotential::from_file(file.string());
    const auto setup = lammps::kim_setup("EDIP_JustoBazantKaxiras_1998_Si__MO_958932894036_002");
    auto cases = standard_structures("diamond", 5.431, 14, 151, 5.5);
    Structure dense = diamond(4.9, 2, 1, 1);  // compressed: atoms in the c < r < a coordination shell
    rattle(dense, 0.15, 155);
    cases.emplace_back("compressed", dense);
    for (const auto& [name, s] : cases) compare_to_lammps(pot, s, setup, "edip-Si-" + name, Compared::energy_and_forces);
}
