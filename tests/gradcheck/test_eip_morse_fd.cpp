// Shifted Morse: forces and virial against central differences, invariances, float vs double.
#include "eipnn/eip/morse.hpp"
#include "gradcheck/eip_checks.hpp"
#include "reference/lammps_harness.hpp"

using namespace eipnn;
using namespace eipnn::test;

TEST_CASE("morse forces and virial match finite differences", "[eip][morse][fd]") {
    for (const char* set : {"GirifalcoWeizer_Mo_low", "GirifalcoWeizer_Al_high"}) {
        const auto pot = MorsePotential::named(set);
        const int z = pot.supported_numbers().at(0);
        Structure s = sheared(crystal("bcc", 3.15, 2, 2, 1, z), 17);
        rattle(s, 0.15, 18);
        check_finite_differences(pot, s, std::string(set) + " sheared");
        Structure blob = crystal("bcc", 3.15, 3, 3, 3, z);
        rattle(blob, 0.1, 19);
        check_finite_differences(pot, cluster_of(blob, 4.5), std::string(set) + " cluster");
    }
}

TEST_CASE("morse invariances and float precision", "[eip][morse][invariance][float]") {
    const auto pot = MorsePotential::named("GirifalcoWeizer_Mo_medium");
    Structure s = sheared(crystal("bcc", 3.15, 2, 2, 2, 42), 21);
    rattle(s, 0.12, 22);
    check_invariances(pot, s, "morse Mo");
    check_float_matches_double(pot, s, "morse Mo");
}

TEST_CASE("morse named sets and mapping", "[eip][morse]") {
    CHECK(morse_named("GirifalcoWeizer_Mo_med").cutoff == morse_named("GirifalcoWeizer_Mo_medium").cutoff);
    CHECK(morse_named("GirifalcoWeizer_Al_high").cutoff == 11.7567);
    CHECK_THROWS_WITH(morse_named("GirifalcoWeizer_Cu_low"), Catch::Contains("unknown Morse parameter set"));
    // the shift makes phi vanish at the cutoff
    const auto p = morse_named("GirifalcoWeizer_Mo_low");
    const MorsePair<double> pair{p.epsilon, p.C, p.R0, p.shift()};
    double phi, dphi;
    pair(p.cutoff, phi, dphi);
    CHECK(std::abs(phi) < 1e-15);
    pair(p.R0, phi, dphi);
    CHECK(std::abs(dphi) < 1e-15);
    const auto mapped = MorsePotential::named("GirifalcoWeizer_Mo_low", {{"W", "Mo"}});
    CHECK(mapped.supported_numbers() == std::vector<int>{42, 74});
    Structure s = crystal("bcc", 3.15, 1, 1, 1, 26);
    CHECK_THROWS_WITH(mapped.compute(s), Catch::Contains("Fe") && Catch::Contains("no entry"));
}
