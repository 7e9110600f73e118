// Central finite differences for the nn gradient checks.
//
// Step: the central difference (f(x+h) - f(x-h)) / 2h has truncation error h^2 |f'''| / 6 and
// rounding error ~ eps |f| / h; their sum is smallest at h ~ eps^(1/3) (6e-6 in double), where
// both are ~ eps^(2/3) (4e-11) times the function's scale. kStep = 1e-5 sits there, and the
// tolerance allows 1e4 times that floor (the functions below have third derivatives and values of
// order 1 to 100 and sum many rounded terms) -- still five orders below a wrong gradient's error.
#pragma once
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace eipnn::test {

inline constexpr double kStep = 1e-5;
inline double fd_tolerance() { return 1e4 * std::pow(std::numeric_limits<double>::epsilon(), 2.0 / 3.0); }

// Checks d/dx_k of `loss` against analytic[k] for every k of x (or `max_checks` spread entries).
inline void check_gradient(const std::string& what, std::vector<double>& x, const std::vector<double>& analytic,
                           const std::function<double()>& loss, std::size_t max_checks = 100000) {
    REQUIRE(analytic.size() == x.size());
    const std::size_t stride = std::max<std::size_t>(1, x.size() / max_checks);
    double worst = 0;
    for (std::size_t k = 0; k < x.size(); k += stride) {
        const double x0 = x[k];
        x[k] = x0 + kStep;
        const double lp = loss();
        x[k] = x0 - kStep;
        const double lm = loss();
        x[k] = x0;
        const double fd = (lp - lm) / (2 * kStep);
        const double err = std::abs(fd - analytic[k]) / (1.0 + std::abs(fd));
        worst = std::max(worst, err);
        if (err > fd_tolerance()) {
            INFO(what << " entry " << k << ": finite difference " << fd << ", analytic " << analytic[k]);
            CHECK(err <= fd_tolerance());
        }
    }
    INFO(what << ": worst relative error " << worst);
    CHECK(worst <= fd_tolerance());
}

inline std::vector<double> random_vector(std::size_t n, unsigned seed, double scale = 1.0) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-scale, scale);
    std::vector<double> v(n);
    for (double& x : v) x = u(rng);
    return v;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
    return s;
}

}  // namespace eipnn::test
