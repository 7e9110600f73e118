// Tersoff and modified Tersoff: forces and virial against central finite differences,
// invariances, float vs double, thread-count independence, two species.
#include <catch2/catch.hpp>

#include "eipnn/eip/tersoff.hpp"
#include "eipnn/eip/tersoff_mod.hpp"
#include "gradcheck/eip_checks.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {
// Published parameter sets, written here so the test runs without lammps-data: Tersoff T2 Si, and
// Kumagai et al. 2007 Si (LAMMPS formats).
const char* kT2 = "Si Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0000 22.956 0.33675 1.3258 95.373 3.0 0.2 3.2394 3264.7\n";
const char* kMod =
    "Si Si Si 1.0 2.3890327 -.365 1.0 1.0 1.345797 121.00047 3.0 0.3 3.2300135 3281.5905 .93810551\n"
    " 0.20173476 730418.72 1000000.0 1.0 26.0\n";
// Erhart–Albe SiC (m = 1, lambda3 = 0, two species; LAMMPS' SiC_Erhart-Albe.tersoff).
const char* kEA =
    "C C C 1 0.11233 0 181.91 6.28433 -0.5556 1 1 1.93090093 175.426651 2 0.15 4.18426232 2019.8449\n"
    "Si Si Si 1 0.114354 0 2.00494 0.81472 -0.259 1 1 1.53810493 219.521624 2.82 0.14 2.83318929 2145.7128\n"
    "Si Si C 1 0.011877 0 273987 180.314 -0.68 0 0 0 0 2.4 0.2 0 0\n"
    "Si C C 1 0.011877 0 273987 180.314 -0.68 1 1 1.76807421 225.189481 2.4 0.2 3.26563307 1779.36144\n"
    "C Si Si 1 0.011877 0 273987 180.314 -0.68 1 1 1.76807421 225.189481 2.4 0.2 3.26563307 1779.36144\n"
    "C Si C 1 0.11233 0 181.910 6.28433 -0.5556 0 0 0 0 2 0.15 0 0\n"
    "C C Si 1 0.011877 0 273987 180.314 -0.68 0 0 0 0 2.4 0.2 0 0\n"
    "Si C Si 1 0.114354 0 2.00494 0.81472 -0.259 0 0 0 0 2.82 0.14 0 0\n";

template <class Pot, class Form>
Pot make(const char* text, const char* name) {
    auto r = io::PotentialFileReader::from_text(text, name);
    return Pot(Form::read(r), {}, name);
}

Structure rattled64(unsigned seed, double a = 5.431) {
    Structure s = diamond(a, 2, 2, 2);
    rattle(s, 0.12, seed);
    return s;
}
}  // namespace

TEST_CASE("tersoff fd: forces and virial equal minus the energy gradient", "[eip][tersoff][gradcheck]") {
    const auto t2 = make<Tersoff, TersoffForm>(kT2, "Si.tersoff");
    check_finite_differences(t2, rattled64(1), "tersoff T2 rattled64");
    Structure small = diamond(5.431);
    rattle(small, 0.1, 2);
    check_finite_differences(t2, small, "tersoff T2 small");
    const auto mod = make<TersoffMod, TersoffModForm>(kMod, "Si.tersoff.mod");
    check_finite_differences(mod, rattled64(3), "tersoff/mod rattled64");
    const auto ea = make<Tersoff, TersoffForm>(kEA, "SiC.tersoff");
    Structure sic = rattled64(4, 4.36);
    for (std::size_t i = 0; i < sic.numbers.size(); ++i)
        if (i % 8 >= 4) sic.numbers[i] = 6;
    check_finite_differences(ea, sic, "tersoff Erhart-Albe SiC");
}

TEST_CASE("tersoff fd: invariances, float vs double, threads", "[eip][tersoff][gradcheck]") {
    const auto t2 = make<Tersoff, TersoffForm>(kT2, "Si.tersoff");
    const auto mod = make<TersoffMod, TersoffModForm>(kMod, "Si.tersoff.mod");
    for (const Potential* p : {static_cast<const Potential*>(&t2), static_cast<const Potential*>(&mod)}) {
        check_invariances(*p, rattled64(5), p->style() + " rattled64");
        check_invariances(*p, random_triclinic(24, 6.0, 8.0, 40, 80, 6), p->style() + " triclinic");
        check_float_matches_double(*p, rattled64(7), p->style() + " rattled64", true);
        // 11^3 cells = 10,648 atoms: more than 64 gather blocks (geometry/edge_forces.hpp), so both
        // the per-atom kernel pass and the fused gather really run on two threads.
        Structure big = diamond(5.431, 11, 11, 11);
        rattle(big, 0.1, 8);
        check_threads_identical(*p, big);
    }
}

TEST_CASE("tersoff: malformed files name the line and field", "[eip][tersoff]") {
    auto r = io::PotentialFileReader::from_text("Si Si Si 2.0 1.0 1.3 4.8 2.0 0 22.9 0.3 1.3 95 3 0.2 3.2 3264\n", "m2.tersoff");
    CHECK_THROWS_WITH(TersoffForm::read(r), Catch::Contains("m2.tersoff line 1"));
    auto r2 = io::PotentialFileReader::from_text("Si Si Si 3.0 1.0 1.3 4.8 2.0 0 22.9 0.3 1.3 95 3 0.2\n", "short.tersoff");
    CHECK_THROWS_WITH(TersoffForm::read(r2), Catch::Contains("'lambda1'"));
}
