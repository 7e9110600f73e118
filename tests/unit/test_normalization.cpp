// Per-species reference energies recovered exactly from synthetic two-element data, and the
// scale equal to the per-atom residual's standard deviation.
#include <catch2/catch.hpp>

#include "eipnn/train/normalization.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("normalisation recovers per-species references and the residual scale", "[normalization]") {
    std::vector<Structure> structures;
    std::vector<double> energies;
    const double ref_si = -5.4, ref_c = -9.1;
    for (int k = 0; k < 8; ++k) {
        Structure s;
        const int n_si = 2 + k, n_c = 1 + (k * 3) % 5;
        for (int i = 0; i < n_si; ++i) s.numbers.push_back(14);
        for (int i = 0; i < n_c; ++i) s.numbers.push_back(6);
        s.positions.assign(3 * s.numbers.size(), 0.0);
        structures.push_back(s);
        // residual per atom alternates +-0.1: mean 0, std 0.1
        energies.push_back(n_si * ref_si + n_c * ref_c + (k % 2 ? 0.1 : -0.1) * (n_si + n_c));
    }
    std::vector<const Structure*> ptrs;
    for (const auto& s : structures) ptrs.push_back(&s);
    const EnergyNormalization norm = fit_energy_normalization(ptrs, energies);
    // the alternating residual is not exactly orthogonal to the counts: the fit absorbs part of it
    REQUIRE(norm.reference.at(14) == Approx(ref_si).margin(0.05));
    REQUIRE(norm.reference.at(6) == Approx(ref_c).margin(0.05));
    REQUIRE(norm.scale == Approx(0.1).margin(0.02));

    // exact data: exact recovery
    std::vector<double> exact;
    for (const auto& s : structures) {
        double e = 0;
        for (int z : s.numbers) e += z == 14 ? ref_si : ref_c;
        exact.push_back(e);
    }
    const EnergyNormalization n2 = fit_energy_normalization(ptrs, exact);
    REQUIRE(n2.reference.at(14) == Approx(ref_si).epsilon(1e-12));
    REQUIRE(n2.reference.at(6) == Approx(ref_c).epsilon(1e-12));
    Structure ge;
    ge.numbers = {32};
    REQUIRE_THROWS_WITH(n2.baseline(ge), Catch::Contains("no reference energy for Ge"));
}
