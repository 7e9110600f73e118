// math/exp_inline.hpp: exp_poly and log_poly against long-double expl/logl, and their documented
// behaviour outside the covered range.
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

#include <catch2/catch.hpp>

#include "eipnn/math/exp_inline.hpp"
#include "support/test_support.hpp"

using eipnn::math::exp_poly;
using eipnn::math::log_poly;

namespace {

// Tolerance: 2 DBL_EPSILON relative. Error budget of exp_poly: the Cody–Waite reduction is exact
// up to the rounding of kd ln2_lo (< 2^-60 relative to r), the series truncation is < 4e-18, the
// Estrin sum rounds its small terms (each < 0.2 relative to 1, so < 0.1 ulp of the result) and the
// final 1 + (...) rounds once (0.5 ulp); scaling by 2^k is exact: under ~0.7 ulp = 0.7 DBL_EPSILON
// at worst. log_poly: s = f/(2+f) rounds once (0.5 ulp of s, carried into 2s), the tail and the
// k ln2 sum add about 1 ulp: ~1.5 ulp. Long double (64-bit mantissa) references are 2^11 times
// finer. 2 DBL_EPSILON is above both budgets and 2^11 below the error of a wrong coefficient.
constexpr double kTol = 2 * DBL_EPSILON;

double rel_err(double y, long double ref) { return double(std::fabs((static_cast<long double>(y) - ref) / ref)); }

}  // namespace

TEST_CASE("exp_poly matches expl to 2 eps over the normal range", "[math][exp]") {
    std::mt19937_64 rng(41);
    std::uniform_real_distribution<double> wide(-708.0, 709.0), narrow(-2.0, 2.0);
    double worst = 0;
    for (int n = 0; n < 200000; ++n) {
        const double x = n % 2 ? wide(rng) : narrow(rng);
        const double e = rel_err(exp_poly(x), expl(static_cast<long double>(x)));
        worst = std::max(worst, e);
        INFO("x = " << x);
        REQUIRE(e <= kTol);
    }
    // where the reduction switches k, and exact points
    for (int k = -1000; k <= 1000; ++k) {
        const double x = k * 0.6931471805599453;
        for (const double d : {-1e-12, 0.0, 1e-12}) REQUIRE(rel_err(exp_poly(x + d), expl(static_cast<long double>(x + d))) <= kTol);
    }
    CHECK(exp_poly(0.0) == 1.0);
    INFO("worst relative error " << worst);
    CHECK(worst > 0);  // the comparison measured something
}

TEST_CASE("exp_poly outside the normal range: 0 below -708, inf above 709, NaN stays NaN", "[math][exp]") {
    CHECK(exp_poly(-708.5) == 0.0);
    CHECK(exp_poly(-1e10) == 0.0);
    CHECK(exp_poly(-std::numeric_limits<double>::infinity()) == 0.0);
    CHECK(std::isinf(exp_poly(709.5)));
    CHECK(std::isinf(exp_poly(std::numeric_limits<double>::infinity())));
    CHECK(std::isnan(exp_poly(std::numeric_limits<double>::quiet_NaN())));
    // just inside: finite and accurate
    for (const double x : {-707.9, 708.9}) CHECK(rel_err(exp_poly(x), expl(static_cast<long double>(x))) <= kTol);
}

TEST_CASE("log_poly matches logl to 2 eps over positive normal numbers", "[math][log]") {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> expo(-700.0, 700.0), near_one(0.3, 3.0);
    double worst = 0;
    for (int n = 0; n < 200000; ++n) {
        const double x = n % 2 ? std::exp(expo(rng)) : near_one(rng);
        if (x == 1.0) continue;  // log 1 = 0: relative error undefined (checked exactly below)
        const double e = rel_err(log_poly(x), logl(static_cast<long double>(x)));
        worst = std::max(worst, e);
        INFO("x = " << x);
        REQUIRE(e <= kTol);
    }
    // close to 1, where log is small and relative accuracy is hardest
    for (int k = 1; k <= 40; ++k)
        for (const double sign : {-1.0, 1.0}) {
            const double x = 1.0 + sign * std::ldexp(1.0, -k);
            REQUIRE(rel_err(log_poly(x), logl(static_cast<long double>(x))) <= kTol);
        }
    CHECK(log_poly(1.0) == 0.0);
    CHECK(rel_err(log_poly(DBL_MIN), logl(static_cast<long double>(DBL_MIN))) <= kTol);
    CHECK(rel_err(log_poly(DBL_MAX), logl(static_cast<long double>(DBL_MAX))) <= kTol);
    INFO("worst relative error " << worst);
    CHECK(worst > 0);
}

TEST_CASE("log_poly outside positive normal numbers gives NaN", "[math][log]") {
    for (const double x : {0.0, -0.0, -1.0, 1e-310, std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()}) {
        INFO("x = " << x);
        CHECK(std::isnan(log_poly(x)));
    }
}

// The float overload. Tolerance 2 FLT_EPSILON: Cephes' polynomial is good to ~1e-7 relative on
// |r| <= ln2/2 (0.85 FLT_EPSILON), the reduction's kd ln2_lo rounds to < 2^-30 relative to r and
// the final 1 + (...) once (0.5 ulp); below 2 eps and far below a wrong coefficient's error.
TEST_CASE("exp_poly(float) matches expl to 2 float eps over its range", "[math][exp]") {
    const double tol = 2 * double(FLT_EPSILON);
    std::mt19937_64 rng(43);
    std::uniform_real_distribution<float> wide(-87.0f, 88.0f), narrow(-2.0f, 2.0f);
    double worst = 0;
    for (int n = 0; n < 200000; ++n) {
        const float x = n % 2 ? wide(rng) : narrow(rng);
        const double e = rel_err(double(exp_poly(x)), expl(static_cast<long double>(x)));
        worst = std::max(worst, e);
        INFO("x = " << x);
        REQUIRE(e <= tol);
    }
    for (int k = -125; k <= 126; ++k) {
        const float x = float(k) * 0.693147182f;
        for (const float y : {std::nextafter(x, -1e9f), x, std::nextafter(x, 1e9f)})
            REQUIRE(rel_err(double(exp_poly(y)), expl(static_cast<long double>(y))) <= tol);
    }
    CHECK(exp_poly(0.0f) == 1.0f);
    INFO("worst relative error " << worst);
    CHECK(worst > 0);
    // outside: 0 below -87, inf above 88, NaN stays NaN
    CHECK(exp_poly(-87.5f) == 0.0f);
    CHECK(exp_poly(-std::numeric_limits<float>::infinity()) == 0.0f);
    CHECK(std::isinf(exp_poly(88.5f)));
    CHECK(std::isinf(exp_poly(std::numeric_limits<float>::infinity())));
    CHECK(std::isnan(exp_poly(std::numeric_limits<float>::quiet_NaN())));
}
