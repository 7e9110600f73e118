// Schedules checked analytically, gradient clipping against its definition, and Adam's first
// step (which has a closed form: p -= lr * sign(g) * |g| / (|g| + eps·sqrt(1-b2)/... )).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"
#include "eipnn/optim/lr_schedule.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("linear decay goes from lr to lr_end in a straight line", "[optim][schedule]") {
    ScheduleConfig c;
    c.kind = ScheduleKind::linear;
    c.lr = 1e-3;
    c.lr_end = 1e-5;
    const LrSchedule s(c, 101);
    REQUIRE(s.lr(0) == Approx(1e-3).epsilon(1e-14));
    REQUIRE(s.lr(100) == Approx(1e-5).epsilon(1e-14));
    REQUIRE(s.lr(50) == Approx(0.5 * (1e-3 + 1e-5)).epsilon(1e-14));
    for (int t = 1; t < 101; ++t) REQUIRE(s.lr(t) - s.lr(t - 1) == Approx(-(1e-3 - 1e-5) / 100).epsilon(1e-9));
}

TEST_CASE("slanted triangular: warm-up to the peak at cut, back down to lr/ratio at the end", "[optim][schedule]") {
    ScheduleConfig c;
    c.kind = ScheduleKind::slanted_triangular;
    c.lr = 1e-3;
    c.cut_frac = 0.2;
    c.ratio = 32;
    const std::int64_t T = 1000;  // cut = 200
    const LrSchedule s(c, T);
    REQUIRE(s.lr(0) == Approx(1e-3 / 32).epsilon(1e-14));
    REQUIRE(s.lr(200) == Approx(1e-3).epsilon(1e-14));
    REQUIRE(s.lr(100) == Approx(1e-3 * (1 + 0.5 * 31) / 32).epsilon(1e-14));
    // decay: p = 1 - (t - cut) / (cut (1/cut_frac - 1)) = 1 - (t - 200) / 800
    REQUIRE(s.lr(600) == Approx(1e-3 * (1 + 0.5 * 31) / 32).epsilon(1e-14));
    REQUIRE(s.lr(1000) == Approx(1e-3 / 32).epsilon(1e-14));
    for (std::int64_t t = 1; t <= 200; ++t) REQUIRE(s.lr(t) > s.lr(t - 1));
    for (std::int64_t t = 201; t < T; ++t) REQUIRE(s.lr(t) < s.lr(t - 1));
}

TEST_CASE("reduce on plateau waits `patience` epochs, then multiplies by factor", "[optim][schedule]") {
    ScheduleConfig c;
    c.kind = ScheduleKind::plateau;
    c.lr = 1e-3;
    c.patience = 2;
    c.factor = 0.1;
    LrSchedule s(c, 10);
    REQUIRE_FALSE(s.observe(1.0));   // improvement from inf
    REQUIRE_FALSE(s.observe(1.0));   // bad 1
    REQUIRE_FALSE(s.observe(0.99995));  // within the 1e-4 relative threshold: bad 2
    REQUIRE(s.observe(1.0));         // bad 3 > patience: reduce
    REQUIRE(s.lr(7) == Approx(1e-4).epsilon(1e-14));
    REQUIRE_FALSE(s.observe(0.5));   // real improvement resets
    REQUIRE(s.lr(8) == Approx(1e-4).epsilon(1e-14));
}

TEST_CASE("schedules reject nonsense", "[optim][schedule][errors]") {
    ScheduleConfig c;
    c.lr = -1;
    REQUIRE_THROWS_WITH(LrSchedule(c, 10), Catch::Contains("learning rate"));
    REQUIRE_THROWS_WITH(parse_schedule_kind("cosine"), Catch::Contains("unknown learning-rate schedule 'cosine'"));
}

TEST_CASE("clip_grad_norm scales to max_norm and reports the norm before clipping", "[optim]") {
    std::vector<double> g = {3, 4, 0, 0};  // norm 5
    const double n = clip_grad_norm(Host{1}, span_of(g), 1.0);
    REQUIRE(n == Approx(5.0).epsilon(1e-15));
    const double coef = 1.0 / (5.0 + 1e-6);
    REQUIRE(g[0] == Approx(3 * coef).epsilon(1e-15));
    REQUIRE(g[1] == Approx(4 * coef).epsilon(1e-15));
    std::vector<double> small = {0.3, 0.4};
    clip_grad_norm(Host{1}, span_of(small), 1.0);
    REQUIRE(small[0] == 0.3);  // below the limit: untouched
}

TEST_CASE("Adam's first step moves each parameter by about lr against its gradient", "[optim]") {
    // t = 1: m = (1-b1) g, v = (1-b2) g^2, step_size = lr/(1-b1), denom = |g| + eps
    // so the update is lr * g / (|g| + eps) exactly in exact arithmetic.
    AdamConfig cfg;
    Adam<double> opt(3, cfg);
    std::vector<double> p = {1.0, -2.0, 0.5}, g = {0.1, -3.0, 1e-9};
    opt.step(Host{1}, span_of(p), span_of(std::as_const(g)), 1e-2);
    const double expected[3] = {1.0 - 1e-2 * 0.1 / (0.1 + 1e-8), -2.0 + 1e-2 * 3.0 / (3.0 + 1e-8),
                                0.5 - 1e-2 * 1e-9 / (1e-9 + 1e-8)};
    for (int i = 0; i < 3; ++i) REQUIRE(p[i] == Approx(expected[i]).epsilon(8 * test::eps<double>()));
}

TEST_CASE("Adam is identical for 1 and 2 threads", "[optim]") {
    std::mt19937_64 rng(3);
    std::normal_distribution<float> d(0.f, 1.f);
    std::vector<float> p1(50000), g(50000);
    for (auto& x : p1) x = d(rng);
    for (auto& x : g) x = d(rng);
    std::vector<float> p2 = p1;
    Adam<float> a(p1.size(), {}), b(p2.size(), {});
    for (int s = 0; s < 3; ++s) {
        a.step(Host{1}, span_of(p1), span_of(std::as_const(g)), 1e-3);
        b.step(Host{2}, span_of(p2), span_of(std::as_const(g)), 1e-3);
    }
    REQUIRE(p1 == p2);
}

TEST_CASE("Adam rejects a mismatched parameter count", "[optim][errors]") {
    Adam<double> opt(3, {});
    std::vector<double> p(4), g(4);
    REQUIRE_THROWS_WITH(opt.step(Host{1}, span_of(p), span_of(std::as_const(g)), 1e-3), Catch::Contains("holds state for 3"));
}
