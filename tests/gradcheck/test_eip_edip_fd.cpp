// EDIP: forces and virial against central differences, invariances, float vs double.
#include "eipnn/eip/edip.hpp"
#include "gradcheck/eip_checks.hpp"
#include "reference/lammps_harness.hpp"

using namespace eipnn;
using namespace eipnn::test;

TEST_CASE("edip forces and virial match finite differences", "[eip][edip][fd]") {
    const auto pot = EdipPotential::from_file(lammps::lammps_potential_or_skip("Si.edip").string());
    Structure s = sheared(diamond(5.0, 1, 1, 1), 161);  // compressed so many pairs sit in c < r < a
    rattle(s, 0.15, 162);
    check_finite_differences(pot, s, "edip Si sheared compressed");
    Structure blob = diamond(5.431, 2, 2, 2);
    rattle(blob, 0.12, 163);
    check_finite_differences(pot, cluster_of(blob, 5.0), "edip Si cluster");
}

TEST_CASE("edip invariances and float precision", "[eip][edip][invariance][float]") {
    const auto pot = EdipPotential::from_file(lammps::lammps_potential_or_skip("Si.edip").string());
    Structure s = sheared(diamond(5.3, 1, 1, 2), 171);
    rattle(s, 0.12, 172);
    check_invariances(pot, s, "edip Si");
    check_float_matches_double(pot, s, "edip Si");
}

TEST_CASE("edip: 1, 2 and 3 threads agree bit for bit, and the virial can be left out", "[eip][edip][threads]") {
    const auto pot = EdipPotential::from_file(lammps::lammps_potential_or_skip("Si.edip").string());
    Structure big = diamond(5.431, 11, 11, 11);  // 10,648 atoms: the parallel path of every loop
    rattle(big, 0.1, 173);
    check_threads_identical(pot, big);
}
