// Properties of the SOAP descriptor that hold independently of any reference: invariances, the
// smooth cutoff, the solid harmonics and the radial basis, and the errors on bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include <Eigen/Dense>

#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/soap/soap.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<double> descriptors(const Structure& s, const SoapConfig& cfg) {
    const GraphBatch b = make_graph_batch({s}, cfg.cutoff);
    SoapSaved<double> saved;
    std::vector<double> P;
    soap_fwd(Host{1}, b, SoapBasis::make(cfg), saved, P);
    return P;
}

// max |a - b| relative to max |b|
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double scale = 0, worst = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        scale = std::max(scale, std::abs(b[k]));
        worst = std::max(worst, std::abs(a[k] - b[k]));
    }
    return worst / scale;
}

Structure cluster() {
    Structure s;
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(-2.6, 2.6);
    while (s.size() < 10) {
        const Vec3 p{u(rng), u(rng), u(rng)};
        bool ok = true;
        for (index_t a = 0; a < s.size(); ++a) {
            const Vec3 q = s.position(a);
            ok = ok && norm(Vec3{p[0] - q[0], p[1] - q[1], p[2] - q[2]}) > 1.9;
        }
        if (!ok) continue;
        s.positions.insert(s.positions.end(), p.begin(), p.end());
        s.numbers.push_back(s.size() % 2 ? 14 : 32);
    }
    return s;
}

Mat3 rotation(double a, double b, double c) {  // R = Rz(a) Ry(b) Rx(c), rows
    const Mat3 z{Vec3{std::cos(a), -std::sin(a), 0}, Vec3{std::sin(a), std::cos(a), 0}, Vec3{0, 0, 1}};
    const Mat3 y{Vec3{std::cos(b), 0, std::sin(b)}, Vec3{0, 1, 0}, Vec3{-std::sin(b), 0, std::cos(b)}};
    const Mat3 x{Vec3{1, 0, 0}, Vec3{0, std::cos(c), -std::sin(c)}, Vec3{0, std::sin(c), std::cos(c)}};
    auto mul = [](const Mat3& p, const Mat3& q) {
        Mat3 r{};
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
                for (int k = 0; k < 3; ++k) r[std::size_t(i)][std::size_t(j)] += p[std::size_t(i)][std::size_t(k)] * q[std::size_t(k)][std::size_t(j)];
        return r;
    };
    return mul(z, mul(y, x));
}

Vec3 rotate(const Mat3& R, const Vec3& v) {
    Vec3 r{};
    for (std::size_t i = 0; i < 3; ++i) r[i] = R[i][0] * v[0] + R[i][1] * v[1] + R[i][2] * v[2];
    return r;
}

void rotate_structure(Structure& s, const Mat3& R) {
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = rotate(R, s.position(i));
        std::copy(r.begin(), r.end(), s.positions.begin() + 3 * i);
    }
    if (s.cell.has_lattice)
        for (Vec3& row : s.cell.lattice) row = rotate(R, row);
}

// Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n; exact for degree 2n - 1).
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
    x.resize(std::size_t(n));
    w.resize(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        double z = std::cos(kPi * (i + 0.75) / (n + 0.5)), dp = 0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1, p1 = z;
            for (int k = 2; k <= n; ++k) {
                const double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = n * (z * p1 - p0) / (z * z - 1);
            const double dz = p1 / dp;
            z -= dz;
            if (std::abs(dz) < 1e-16) break;
        }
        x[std::size_t(i)] = z;
        w[std::size_t(i)] = 2 / ((1 - z * z) * dp * dp);
    }
}

// Round-off allowance for descriptors summed over ~50 neighbours x (n_max n_max' m) products with
// cancellation: 1e4 eps of the atom's largest feature (2e-12); a broken invariance is O(1).
const double kRoundOff = 1e4 * test::eps<double>();

}  // namespace

TEST_CASE("soap: feature count follows the convention", "[soap]") {
    SoapConfig cfg;
    CHECK(cfg.n_features() == 252);
    cfg.species = {14, 32};
    CHECK(cfg.n_features() == 7 * (2 * 36 + 64));
    CHECK(SoapBasis::make(cfg).n_coefficients() == 2 * 8 * 49);
}

TEST_CASE("soap: is invariant under rotations of a free cluster and of a periodic cell", "[soap]") {
    SoapConfig cfg;
    cfg.species = {14, 32};
    const Structure c = cluster();
    Structure cr = c;
    rotate_structure(cr, rotation(0.7, -1.9, 2.6));
    const double d_cluster = relative_difference(descriptors(cr, cfg), descriptors(c, cfg));
    INFO("cluster: " << d_cluster);
    CHECK(d_cluster <= kRoundOff);

    Structure p = build_prototype(prototype("diamond"), 14, 2.35);
    apply_strain(p, Mat3{Vec3{0.02, 0.1, 0}, Vec3{0, 0, 0.04}, Vec3{0, 0, -0.03}});
    p.positions[4] += 0.2;
    p.numbers[3] = 32;
    Structure pr = p;
    rotate_structure(pr, rotation(-0.4, 0.9, 2.2));
    const double d_cell = relative_difference(descriptors(pr, cfg), descriptors(p, cfg));
    INFO("periodic cell: " << d_cell);
    CHECK(d_cell <= kRoundOff);
    // and the descriptor is not trivially constant: a moved atom changes it
    Structure moved = p;
    moved.positions[0] += 0.1;
    CHECK(relative_difference(descriptors(moved, cfg), descriptors(p, cfg)) > 1e-4);
}

TEST_CASE("soap: is invariant under permutations of the atoms", "[soap]") {
    SoapConfig cfg;
    cfg.species = {14, 32};
    cfg.normalization = SoapNormalization::l2;
    const Structure c = cluster();
    std::vector<index_t> perm(std::size_t(c.size()));
    for (index_t i = 0; i < c.size(); ++i) perm[std::size_t(i)] = i;
    std::mt19937_64 rng(8);
    std::shuffle(perm.begin(), perm.end(), rng);
    Structure cp = c;  // atom k of cp is atom perm[k] of c
    for (index_t k = 0; k < c.size(); ++k) {
        cp.numbers[std::size_t(k)] = c.numbers[std::size_t(perm[std::size_t(k)])];
        for (int d = 0; d < 3; ++d) cp.positions[3 * std::size_t(k) + d] = c.positions[3 * std::size_t(perm[std::size_t(k)]) + d];
    }
    const std::vector<double> P = descriptors(c, cfg), Pp = descriptors(cp, cfg);
    const std::size_t F = std::size_t(cfg.n_features());
    std::vector<double> back(P.size());
    for (std::size_t k = 0; k < perm.size(); ++k)
        std::copy(Pp.begin() + long(k * F), Pp.begin() + long((k + 1) * F), back.begin() + long(std::size_t(perm[k]) * F));
    CHECK(relative_difference(back, P) <= kRoundOff);
}

TEST_CASE("soap: and its gradient go continuously to zero contribution as a neighbour crosses the cutoff",
          "[soap]") {
    SoapConfig cfg;
    cfg.cutoff = 4.0;
    cfg.cutoff_width = 1.0;
    // atom 2 sits at distance d from atom 0 along a direction that keeps it > rc from atom 1
    auto at = [&](double d) {
        Structure s;
        s.positions = {0, 0, 0, -2.2, 0.3, 0.1, d * 0.6, d * 0.8, 0};
        s.numbers = {14, 14, 14};
        return s;
    };
    const SoapBasis basis = SoapBasis::make(cfg);
    auto eval = [&](double d, std::vector<double>& P, double& grad_norm) {
        const GraphBatch b = make_graph_batch({at(d)}, cfg.cutoff);
        SoapSaved<double> saved;
        soap_fwd(Host{1}, b, basis, saved, P);
        std::vector<double> dL_dP(P.size(), 1.0), dL_dvec;
        soap_bwd(Host{1}, b, basis, saved, P, matrix_of(dL_dP, basis.n_features()), dL_dvec);
        grad_norm = 0;  // gradient of atom 0's descriptor sum on its edge to atom 2
        for (index_t e = b.offsets[0]; e < b.offsets[1]; ++e)
            if (b.neighbors[std::size_t(e)] == 2)
                for (int k = 0; k < 3; ++k) grad_norm += std::abs(dL_dvec[3 * std::size_t(e) + k]);
        P.resize(std::size_t(basis.n_features()));  // atom 0 only
    };
    std::vector<double> beyond, near1, near2;
    double g_beyond = 0, g1 = 0, g2 = 0;
    eval(cfg.cutoff + 1e-3, beyond, g_beyond);  // no edge to atom 2 from atom 0
    const double h1 = 1e-3, h2 = 1e-4;
    eval(cfg.cutoff - h1, near1, g1);
    eval(cfg.cutoff - h2, near2, g2);
    const double d1 = relative_difference(near1, beyond), d2 = relative_difference(near2, beyond);
    INFO("descriptor change at rc - h: " << d1 << " (h = " << h1 << "), " << d2 << " (h = " << h2 << ")");
    INFO("gradient at rc - h: " << g1 << ", " << g2);
    CHECK(d1 > 0);
    // w(rc - h) = (pi h / width)^2 / 4 + O(h^4), dw/dr = O(h): quadratic and linear approach. The
    // ratios carry O(h1 G'/G) corrections from the variation of the Gaussian factor over h (a few
    // 1e-3 here); a discontinuous value or slope would give ratios of 1.
    CHECK(d2 / d1 == Approx(h2 * h2 / (h1 * h1)).epsilon(0.01));
    CHECK(g2 / g1 == Approx(h2 / h1).epsilon(0.01));
    CHECK(g_beyond == 0);
}

TEST_CASE("soap: solid harmonics match explicit low-l formulas and their gradients", "[soap]") {
    const SolidHarmonicNorms norms = SolidHarmonicNorms::make();
    const Vec3 pts[] = {{0.3, -1.2, 0.7}, {-2.0, 0.4, 1.1}, {0, 0, 0}, {0.0, 0.0, -1.5}};
    for (const Vec3& p : pts) {
        const double x = p[0], y = p[1], z = p[2], r2 = x * x + y * y + z * z;
        double R[kSoapMaxLM], dR[kSoapMaxLM][3];
        solid_harmonics<double>(norms, kSoapMaxL, x, y, z, R, dR);
        const double c0 = std::sqrt(1 / (4 * kPi)), c1 = std::sqrt(3 / (4 * kPi));
        const double expected[] = {
            c0,
            c1 * y, c1 * z, c1 * x,
            std::sqrt(15 / (4 * kPi)) * x * y, std::sqrt(15 / (4 * kPi)) * y * z,
            std::sqrt(5 / (16 * kPi)) * (3 * z * z - r2), std::sqrt(15 / (4 * kPi)) * x * z,
            std::sqrt(15 / (16 * kPi)) * (x * x - y * y),
            std::sqrt(35 / (32 * kPi)) * (3 * x * x * y - y * y * y), std::sqrt(105 / (4 * kPi)) * x * y * z,
            std::sqrt(21 / (32 * kPi)) * y * (5 * z * z - r2), std::sqrt(7 / (16 * kPi)) * z * (5 * z * z - 3 * r2),
            std::sqrt(21 / (32 * kPi)) * x * (5 * z * z - r2), std::sqrt(105 / (16 * kPi)) * z * (x * x - y * y),
            std::sqrt(35 / (32 * kPi)) * (x * x * x - 3 * x * y * y)};
        for (int k = 0; k < 16; ++k) {
            INFO("(l, m) index " << k << " at (" << x << ", " << y << ", " << z << ")");
            CHECK(R[k] == Approx(expected[k]).margin(1e-14).epsilon(1e-13));
        }
        for (int k = 16; k < kSoapMaxLM; ++k)  // l > 0 vanishes at the origin
            if (r2 == 0) CHECK(R[k] == 0);
        // gradients by central differences (polynomials of degree <= 9: h = 1e-5 as in nn_fd_support.hpp)
        const double h = 1e-5;
        for (int d = 0; d < 3; ++d) {
            double q[3] = {x, y, z}, Rp[kSoapMaxLM], Rm[kSoapMaxLM];
            q[d] += h;
            solid_harmonics<double>(norms, kSoapMaxL, q[0], q[1], q[2], Rp, nullptr);
            q[d] -= 2 * h;
            solid_harmonics<double>(norms, kSoapMaxL, q[0], q[1], q[2], Rm, nullptr);
            for (int k = 0; k < kSoapMaxLM; ++k) {
                const double fd = (Rp[k] - Rm[k]) / (2 * h);
                INFO("d/d" << "xyz"[d] << " of (l, m) index " << k);
                CHECK(std::abs(fd - dR[k][d]) <= 1e-7 * (1 + std::abs(fd)));
            }
        }
    }
}

TEST_CASE("soap: real spherical harmonics up to l_max 9 are orthonormal on the sphere", "[soap]") {
    // Gauss-Legendre in cos(theta) x uniform phi is exact for these polynomials (degree <= 18)
    const SolidHarmonicNorms norms = SolidHarmonicNorms::make();
    std::vector<double> x, w;
    gauss_legendre(12, x, w);
    const int n_phi = 24;
    std::vector<double> gram(std::size_t(kSoapMaxLM * kSoapMaxLM), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i)
        for (int k = 0; k < n_phi; ++k) {
            const double phi = 2 * kPi * k / n_phi, st = std::sqrt(1 - x[i] * x[i]);
            double Y[kSoapMaxLM];
            solid_harmonics<double>(norms, kSoapMaxL, st * std::cos(phi), st * std::sin(phi), x[i], Y, nullptr);
            for (int a = 0; a < kSoapMaxLM; ++a)
                for (int b = 0; b < kSoapMaxLM; ++b)
                    gram[std::size_t(a * kSoapMaxLM + b)] += w[i] * (2 * kPi / n_phi) * Y[a] * Y[b];
        }
    double worst = 0;
    for (int a = 0; a < kSoapMaxLM; ++a)
        for (int b = 0; b < kSoapMaxLM; ++b)
            worst = std::max(worst, std::abs(gram[std::size_t(a * kSoapMaxLM + b)] - (a == b ? 1.0 : 0.0)));
    INFO("worst |<Y_a, Y_b> - delta_ab| = " << worst);
    CHECK(worst <= 1e3 * test::eps<double>());
}

TEST_CASE("soap: the radial functions g_nl are orthonormal with weight r^2", "[soap]") {
  for (index_t n_max : {8, 12}) {  // the paper's and the capacity (worst-conditioned overlap)
    SoapConfig cfg;
    cfg.n_max = n_max;
    cfg.l_max = 9;
    const SoapBasis basis = SoapBasis::make(cfg);
    const SoapTables& t = basis.tables();
    // composite 20-point Gauss-Legendre on [0, 20] Å in 0.25 Å panels: the integrands are smooth
    // and below 1e-30 beyond 20 Å (the slowest exponent is ln(1e3)/rc^2)
    std::vector<double> x, w;
    gauss_legendre(20, x, w);
    double worst = 0, cancellation = 0, condition = 0;
    for (index_t l = 0; l <= cfg.l_max; ++l) {
        // the basis is only as orthonormal as the long double Cholesky of S makes it: ~cond(S) eps
        Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic> S(cfg.n_max, cfg.n_max);
        for (index_t a = 0; a < cfg.n_max; ++a)
            for (index_t b = 0; b < cfg.n_max; ++b)
                S(a, b) = 0.5L * std::tgamma(l + 1.5L) * std::pow((long double)(t.a[l][a] + t.a[l][b]), -(l + 1.5L));
        const auto ev = Eigen::SelfAdjointEigenSolver<decltype(S)>(S).eigenvalues();
        condition = std::max(condition, double(ev.maxCoeff() / ev.minCoeff()));
        // rounding bound of g_n = sum_k beta_nk phi_k: eps sum_k |beta_nk| ||phi_k||, ||phi_k||^2 = S_kk
        for (index_t n = 0; n < cfg.n_max; ++n) {
            double b = 0;
            for (index_t k = 0; k <= n; ++k)
                b += std::abs(t.beta[l][n][k]) *
                     std::sqrt(0.5 * std::tgamma(l + 1.5) * std::pow(2 * t.a[l][k], -(l + 1.5)));
            cancellation = std::max(cancellation, b);
        }
        std::vector<double> gram(std::size_t(cfg.n_max * cfg.n_max), 0.0);
        for (int panel = 0; panel < 80; ++panel)
            for (std::size_t q = 0; q < x.size(); ++q) {
                const double r = 0.25 * panel + 0.125 * (x[q] + 1), wr = 0.125 * w[q] * r * r;
                double g[kSoapMaxN];
                for (index_t n = 0; n < cfg.n_max; ++n) {
                    g[n] = 0;
                    for (index_t k = 0; k <= n; ++k) g[n] += t.beta[l][n][k] * std::pow(r, l) * std::exp(-t.a[l][k] * r * r);
                }
                for (index_t a = 0; a < cfg.n_max; ++a)
                    for (index_t b = 0; b < cfg.n_max; ++b) gram[std::size_t(a * cfg.n_max + b)] += wr * g[a] * g[b];
            }
        for (index_t a = 0; a < cfg.n_max; ++a)
            for (index_t b = 0; b < cfg.n_max; ++b)
                worst = std::max(worst, std::abs(gram[std::size_t(a * cfg.n_max + b)] - (a == b ? 1.0 : 0.0)));
    }
    INFO("n_max " << cfg.n_max << ": worst |<g_a, g_b> - delta_ab| = " << worst << ", cancellation factor "
                  << cancellation << ", cond(S) " << condition);
    // Evaluating g_n = sum_k beta_nk phi_k in double rounds ~5 times per term (pow, exp, two
    // products, sum): |dg| <= 5 eps sum_k |beta_nk| ||phi_k||, entering <g_a, g_b> twice, plus the
    // rounding of beta to double (2 more). The long double Cholesky itself leaves an
    // orthonormality defect ~cond(S) eps_ld (backward error of the factorisation).
    const double bound = 12 * cancellation * test::eps<double>() + condition * test::eps<long double>();
    CHECK(worst <= bound);
  }
}

TEST_CASE("soap: rejects bad input with errors that say what to do", "[soap]") {
    SoapConfig cfg;
    cfg.l_max = kSoapMaxL + 1;
    CHECK_THROWS_WITH(SoapBasis::make(cfg), Catch::Contains("l_max 10"));
    cfg = SoapConfig{};
    cfg.n_max = kSoapMaxN + 1;
    CHECK_THROWS_WITH(SoapBasis::make(cfg), Catch::Contains("n_max 13"));
    cfg = SoapConfig{};
    cfg.species = {14, 14};
    CHECK_THROWS_AS(SoapBasis::make(cfg), Error);

    cfg = SoapConfig{};  // Si only
    Structure s = build_prototype(prototype("diamond"), 14, 2.35);
    s.numbers[5] = 32;
    const SoapBasis basis = SoapBasis::make(cfg);
    SoapSaved<double> saved;
    std::vector<double> P;
    const GraphBatch b = make_graph_batch({s}, cfg.cutoff);
    CHECK_THROWS_WITH(soap_fwd(Host{}, b, basis, saved, P),
                      Catch::Contains("atom 5") && Catch::Contains("atomic number 32") && Catch::Contains("species"));
    s.numbers[5] = 14;
    const GraphBatch other = make_graph_batch({s}, 4.0);
    CHECK_THROWS_WITH(soap_fwd(Host{}, other, basis, saved, P), Catch::Contains("cutoff 4"));
}
