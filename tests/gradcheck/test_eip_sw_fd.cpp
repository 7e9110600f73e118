// Stillinger–Weber: forces and virial against central finite differences, invariances, float vs
// double, thread-count independence, and bad input.
#include <catch2/catch.hpp>

#include "eipnn/eip/sw.hpp"
#include "gradcheck/eip_checks.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {
// Si.sw's published parameters, written here so the test runs without lammps-data.
const char* kSiSw = "Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333\n 7.049556277 0.6022245584 4.0 0.0 0.0\n";

StillingerWeber si_sw() {
    auto r = io::PotentialFileReader::from_text(kSiSw, "Si.sw");
    return StillingerWeber(read_sw_file(r), {}, "Si.sw");
}

// A two-species SW with different pair ranges, to exercise the (i, j, j) / (i, j, k) lookups.
StillingerWeber two_species_sw() {
    std::string text;
    for (const char* a : {"Si", "Ge"})
        for (const char* b : {"Si", "Ge"})
            for (const char* c : {"Si", "Ge"}) {
                const bool ge = std::string(b) == "Ge";
                text += str(a, " ", b, " ", c, " ", ge ? 1.9 : 2.1683, " ", ge ? 2.18 : 2.0951, " 1.80 ",
                            std::string(a) == "Ge" ? 31.0 : 21.0, " 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0\n");
            }
    auto r = io::PotentialFileReader::from_text(text, "SiGe.sw");
    return StillingerWeber(read_sw_file(r), {}, "SiGe.sw");
}

Structure rattled64(unsigned seed) {
    Structure s = diamond(5.431, 2, 2, 2);
    rattle(s, 0.12, seed);
    return s;
}
}  // namespace

TEST_CASE("sw fd: forces and virial equal minus the energy gradient", "[eip][sw][gradcheck]") {
    const auto pot = si_sw();
    check_finite_differences(pot, rattled64(1), "sw Si rattled64");
    Structure small = diamond(5.431);  // a cell smaller than twice the cutoff
    rattle(small, 0.1, 2);
    check_finite_differences(pot, small, "sw Si small");
    Structure two = rattled64(3);
    for (std::size_t i = 0; i < two.numbers.size(); i += 3) two.numbers[i] = 32;
    check_finite_differences(two_species_sw(), two, "sw SiGe rattled64");
}

TEST_CASE("sw fd: invariances, float vs double, threads", "[eip][sw][gradcheck]") {
    const auto pot = si_sw();
    check_invariances(pot, rattled64(4), "sw Si rattled64");
    check_invariances(pot, random_triclinic(24, 6.0, 8.0, 40, 80, 5), "sw Si triclinic");
    check_float_matches_double(pot, rattled64(6), "sw Si rattled64", true);
    // 11^3 cells = 10,648 atoms: more than 64 gather blocks (geometry/edge_forces.hpp), so both
    // the per-atom kernel pass and the fused gather really run on two threads.
    Structure big = diamond(5.431, 11, 11, 11);
    rattle(big, 0.1, 7);
    check_threads_identical(pot, big);
}

TEST_CASE("sw: bad input gives clear errors", "[eip][sw]") {
    const auto pot = si_sw();
    Structure s = diamond(5.431);
    s.numbers[3] = 32;
    CHECK_THROWS_WITH(pot.compute(s), Catch::Contains("atom 3 is Ge"));
    Structure overlap = diamond(5.431);
    overlap.positions[3] = overlap.positions[0];
    overlap.positions[4] = overlap.positions[1];
    overlap.positions[5] = overlap.positions[2];
    CHECK_THROWS_WITH(pot.compute(overlap), Catch::Contains("closer than the minimum"));
    auto r = io::PotentialFileReader::from_text("Si Si Si 2.1683 -2.0951 1.80 21.0 1.20 -0.3 7.0 0.6 4.0 0.0 0.0\n", "neg.sw");
    CHECK_THROWS_WITH(read_sw_file(r), Catch::Contains("neg.sw line 1"));
    Structure two = diamond(5.431);
    two.numbers[0] = 32;
    auto r2 = io::PotentialFileReader::from_text(std::string(kSiSw) + "Ge Ge Ge 1.9 2.18 1.8 31 1.2 -0.33 7.0 0.6 4 0 0\n", "partial.sw");
    const StillingerWeber partial(read_sw_file(r2), {}, "partial.sw");
    CHECK_THROWS_WITH(partial.compute(two), Catch::Contains("no entry"));
}
