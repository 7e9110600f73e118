// Energy losses: Tukey biweight values at known points and both losses' gradients against
// central finite differences in double (MAD held constant, as the method specifies).
#include <catch2/catch.hpp>

#include <random>

#include "eipnn/train/losses.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("Tukey rho: zero at zero, c²/6 beyond c, continuous at c", "[losses]") {
    REQUIRE(tukey_rho(0.0) == 0.0);
    REQUIRE(tukey_rho(10.0) == Approx(kTukeyC * kTukeyC / 6).epsilon(1e-15));
    REQUIRE(tukey_rho(kTukeyC * (1 - 1e-12)) == Approx(kTukeyC * kTukeyC / 6).epsilon(1e-9));
    // small r: rho ~ r²/2 (the biweight is quadratic near 0 with unit curvature)
    REQUIRE(tukey_rho(1e-3) == Approx(0.5e-6).epsilon(1e-6));
    REQUIRE(tukey_psi(-10.0) == 0.0);
}

TEST_CASE("MAD scale: 1.4826 x median absolute residual, even and odd counts", "[losses]") {
    REQUIRE(tukey_scale({0, 0, 0}, {1, -3, 2}) == Approx(1.4826 * 2).epsilon(1e-15));
    REQUIRE(tukey_scale({0, 0, 0, 0}, {1, -3, 2, 4}) == Approx(1.4826 * 2.5).epsilon(1e-15));
    REQUIRE(tukey_scale({1}, {1}) == kTukeyMinScale);
}

TEST_CASE("loss gradients match central finite differences", "[losses][gradcheck]") {
    std::mt19937_64 rng(2);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> pred(17), label(17);
    for (std::size_t i = 0; i < pred.size(); ++i) {
        pred[i] = g(rng);
        label[i] = pred[i] + (i % 5 == 0 ? 20.0 : 1.0) * g(rng);  // some outliers beyond c
    }
    const double scale = tukey_scale(pred, label);
    std::vector<double> grad_mse, grad_tukey, scratch;
    mse_loss(pred, label, grad_mse);
    tukey_loss(pred, label, scale, grad_tukey);
    // h = 1e-6: the losses are smooth polynomials in the prediction (piecewise for Tukey, and no
    // residual sits within h of ±c·scale here), so the truncation error, O(h²) times the third
    // derivative, is ~1e-12; the round-off of a difference quotient is ~ eps·|L|/h.
    // Tolerance: 10x both.
    const double h = 1e-6;
    const double loss_mse = mse_loss(pred, label, scratch), loss_tukey = tukey_loss(pred, label, scale, scratch);
    const double tol_mse = 1e-11 + 10 * test::eps<double>() * loss_mse / h;
    const double tol_tukey = 1e-11 + 10 * test::eps<double>() * loss_tukey / h;
    for (std::size_t i = 0; i < pred.size(); ++i) {
        auto p = pred, m = pred;
        p[i] += h;
        m[i] -= h;
        const double fd_mse = (mse_loss(p, label, scratch) - mse_loss(m, label, scratch)) / (2 * h);
        const double fd_tukey = (tukey_loss(p, label, scale, scratch) - tukey_loss(m, label, scale, scratch)) / (2 * h);
        INFO("item " << i);
        REQUIRE(std::abs(fd_mse - grad_mse[i]) < tol_mse);
        REQUIRE(std::abs(fd_tukey - grad_tukey[i]) < tol_tukey);
    }
    // outliers beyond c have zero gradient: the weak labels that are far off do not pull
    REQUIRE(grad_tukey[0] == 0.0);
    REQUIRE_THROWS_WITH(mse_loss({}, {}, scratch), Catch::Contains("at least one"));
}
