// Molecular dynamics: velocity Verlet conserves energy (drift and fluctuation shrink as dt^2),
// and the Langevin thermostat holds its target temperature. Driven by the shifted Morse Mo
// potential on a rattled bcc cell.
#include <catch2/catch.hpp>

#include "eipnn/eip/morse.hpp"
#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/md/integrators.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {
Structure bcc_mo() { return build_prototype(prototype("bcc"), 42, 2.725, {3, 3, 3}); }

// Largest |E_total(t) - E_total(0)| per atom over `steps` NVE steps of dt.
double nve_energy_error(double dt, int steps) {
    const MorsePotential pot = MorsePotential::named("GirifalcoWeizer_Mo_low");
    std::mt19937_64 rng(5);
    md::MdState st = md::initial_state(pot, bcc_mo(), 600.0, rng, Host{1});
    const double e0 = st.eval.energy + st.kinetic_energy();
    double worst = 0;
    for (int s = 0; s < steps; ++s) {
        md::velocity_verlet_step(pot, st, dt, Host{1});
        worst = std::max(worst, std::abs(st.eval.energy + st.kinetic_energy() - e0));
    }
    return worst / st.structure.size();
}
}  // namespace

TEST_CASE("velocity Verlet conserves energy, with an error that scales as dt^2", "[md]") {
    // same simulated time (0.4 ps), two step sizes
    const double coarse = nve_energy_error(2e-3, 200);
    const double fine = nve_energy_error(1e-3, 400);
    INFO("max |dE| per atom: dt 2 fs " << coarse << " eV, dt 1 fs " << fine << " eV");
    REQUIRE(coarse < 2e-4);
    REQUIRE(fine < 1e-4);
    // second order: halving dt divides the error by about 4 (between 2.5 and 6 allows for the
    // error's oscillation within a finite run)
    REQUIRE(coarse / fine > 2.5);
    REQUIRE(coarse / fine < 6.0);
}

TEST_CASE("Langevin dynamics holds the target temperature", "[md]") {
    const MorsePotential pot = MorsePotential::named("GirifalcoWeizer_Mo_low");
    std::mt19937_64 rng(9);
    md::MdState st = md::initial_state(pot, bcc_mo(), 50.0, rng, Host{1});
    const double target = 800.0;
    for (int s = 0; s < 300; ++s) md::langevin_step(pot, st, 2e-3, target, 10.0, rng, Host{1});  // equilibrate
    double sum = 0;
    const int n = 1000;
    for (int s = 0; s < n; ++s) {
        md::langevin_step(pot, st, 2e-3, target, 10.0, rng, Host{1});
        sum += st.temperature();
    }
    // 54 atoms: the instantaneous temperature fluctuates by ~sqrt(2/(3N)) ~ 11 %; the mean of
    // 1000 correlated samples (correlation time ~ 1/gamma = 50 steps, so ~20 independent ones) is
    // within ~3 % at one sigma: 10 % is over three sigma.
    REQUIRE(sum / n == Approx(target).epsilon(0.10));
}

TEST_CASE("MD reports missing masses and exploding dynamics clearly", "[md][errors]") {
    REQUIRE_THROWS_WITH(md::atomic_mass(99), Catch::Contains("no atomic mass tabulated for Es"));
}
