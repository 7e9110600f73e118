// Spline-MEAM: forces and virial against central differences, invariances, float vs double.
#include "eipnn/eip/meam_spline.hpp"
#include "gradcheck/eip_checks.hpp"
#include "reference/lammps_harness.hpp"

using namespace eipnn;
using namespace eipnn::test;

TEST_CASE("meam/spline forces and virial match finite differences", "[eip][meam_spline][fd]") {
    const auto pot = MeamSplinePotential::from_file(lammps::lammps_potential_or_skip("Si_1.meam.spline").string());
    Structure s = sheared(diamond(5.431, 1, 1, 1), 131);
    rattle(s, 0.15, 132);
    check_finite_differences(pot, s, "meam/spline Si sheared");
    Structure blob = diamond(5.431, 2, 2, 2);
    rattle(blob, 0.1, 133);
    check_finite_differences(pot, cluster_of(blob, 4.8), "meam/spline Si cluster");
}

TEST_CASE("meam/spline invariances and float precision", "[eip][meam_spline][invariance][float]") {
    const auto file = data_file_or_skip("potentials/Mo_ParkFellingerLenosky_2012.meam.spline");
    const auto pot = MeamSplinePotential::from_file(file.string());
    Structure s = sheared(crystal("bcc", 3.147, 2, 2, 2, 42), 141);
    rattle(s, 0.12, 142);
    check_invariances(pot, s, "meam/spline Mo");
    check_float_matches_double(pot, s, "meam/spline Mo");
}

TEST_CASE("meam/spline: 1, 2 and 3 threads agree bit for bit, and the virial can be left out",
          "[eip][meam_spline][threads]") {
    const auto pot = MeamSplinePotential::from_file(lammps::lammps_potential_or_skip("Si_1.meam.spline").string());
    Structure big = diamond(5.431, 10, 10, 10);  // 8,000 atoms: the parallel path of every loop
    rattle(big, 0.1, 174);
    check_threads_identical(pot, big);
}
