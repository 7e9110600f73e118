// soap_tangent_fwd (the Jacobian-vector product of the SOAP power spectrum along an edge tangent
// u) against central finite differences of soap_fwd, against soap_bwd through the adjoint
// identity, and for thread independence.
//
// The finite difference moves the edge vectors themselves (vec + s u, distances recomputed as
// their norms), not the atoms: the tangent is defined per edge, and a random u need not come from
// any displacement of the atoms.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "eipnn/soap/soap.hpp"
#include "eipnn/soap/soap_tangent.hpp"
#include "nn_fd_support.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

// Diamond Si in a strongly sheared, turned cell, rattled: periodic images, no symmetry that could
// hide a wrong component.
Structure periodic_si() {
    Structure s = test::sheared(test::diamond(5.43), 3);
    test::rattle(s, 0.1, 4);
    return s;
}

// A free Si/Ge cluster cut from the bulk around an interior atom, rattled, every third atom Ge.
Structure free_si_ge() {
    Structure s = test::cluster_of(test::diamond(5.43, 2, 2, 2), 4.0, Vec3{5.43, 5.43, 5.43});
    test::rattle(s, 0.1, 7);
    for (std::size_t a = 0; a < s.numbers.size(); a += 3) s.numbers[a] = 32;
    return s;
}

// Two species and the largest l_max the kernels hold; pairs at 3.84 Å lie in the switch [3, 4.5).
SoapConfig si_ge_config() {
    SoapConfig cfg;
    cfg.species = {14, 32};
    cfg.n_max = 6;
    cfg.l_max = 9;
    cfg.cutoff = 4.5;
    cfg.cutoff_width = 1.5;
    return cfg;
}

// The batch with every edge vector moved by s u and its distance recomputed.
GraphBatch moved(const GraphBatch& batch, const std::vector<double>& u, double s) {
    GraphBatch b = batch;
    for (index_t e = 0; e < b.n_edges(); ++e) {
        double r2 = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            double& v = b.vectors[3 * std::size_t(e) + k];
            v += s * u[3 * std::size_t(e) + k];
            r2 += v * v;
        }
        b.distances[std::size_t(e)] = std::sqrt(r2);
    }
    return b;
}

std::vector<double> soap_of(const GraphBatch& batch, const SoapBasis& basis) {
    SoapSaved<double> saved;
    std::vector<double> P;
    soap_fwd(Host{1}, batch, basis, saved, P);
    return P;
}

// Pdot against (P(vec + h u) - P(vec - h u)) / 2h, feature by feature.
//
// Step: h = test::kStep = 1e-5 Å ~ eps^(1/3), where the truncation error h^2 |P'''| / 6 and the
// round-off eps |P| / h are both ~ eps^(2/3) (4e-11) times the spectrum's scale (the Gaussian
// widths and switch width are ~ 1 Å, so each Å-derivative changes the scale by O(1)).
// Tolerance: test::fd_tolerance() (1e4 eps^(2/3)) times the atom's scale, the largest |P| or
// |Pdot| in its row: the round-off of a difference of two P rows follows the largest entry of the row, not the
// entry itself, so small features are held to the row's scale.
void check_against_fd(const Structure& s, const SoapConfig& cfg) {
    const SoapBasis basis = SoapBasis::make(cfg);
    const GraphBatch batch = make_graph_batch({s}, cfg.cutoff);
    REQUIRE(batch.n_edges() > 0);
    SoapSaved<double> saved;
    std::vector<double> P, Pdot;
    soap_fwd(Host{1}, batch, basis, saved, P);
    const std::vector<double> u = test::random_vector(3 * std::size_t(batch.n_edges()), 21);
    // The switch w is only C^1 at rc - width and rc: an edge whose sampled segment r +- h |u_e|
    // crossed either would see the kink, and the FD would be off by O(h) there. The segments here
    // stay clear (this guards the fixtures, it skips nothing).
    for (index_t e = 0; e < batch.n_edges(); ++e) {
        const double r = batch.distances[std::size_t(e)];
        const double* ue = &u[3 * std::size_t(e)];
        const double reach = 2 * test::kStep * std::sqrt(ue[0] * ue[0] + ue[1] * ue[1] + ue[2] * ue[2]);
        INFO("edge " << e << " at " << r << " Å");
        REQUIRE(std::abs(r - cfg.cutoff) > reach);
        REQUIRE(std::abs(r - (cfg.cutoff - cfg.cutoff_width)) > reach);
    }
    soap_tangent_fwd(Host{1}, batch, basis, saved, P, matrix_of(u, 3), Pdot);
    const std::vector<double> Pp = soap_of(moved(batch, u, test::kStep), basis);
    const std::vector<double> Pm = soap_of(moved(batch, u, -test::kStep), basis);

    const std::size_t F = std::size_t(basis.n_features());
    double worst = 0, largest = 0;
    for (index_t i = 0; i < batch.n_atoms(); ++i) {
        const std::size_t row = std::size_t(i) * F;
        double scale = 0;
        for (std::size_t k = 0; k < F; ++k) scale = std::max({scale, std::abs(P[row + k]), std::abs(Pdot[row + k])});
        largest = std::max(largest, scale);
        for (std::size_t k = 0; k < F; ++k) {
            const double fd = (Pp[row + k] - Pm[row + k]) / (2 * test::kStep);
            const double err = std::abs(fd - Pdot[row + k]) / scale;
            worst = std::max(worst, err);
            if (err > test::fd_tolerance()) {
                INFO("atom " << i << " feature " << k << ": finite difference " << fd << ", tangent " << Pdot[row + k]);
                CHECK(err <= test::fd_tolerance());
            }
        }
    }
    INFO("worst error relative to the row scale " << worst << " (largest row scale " << largest << ")");
    CHECK(worst <= test::fd_tolerance());
}

}  // namespace

TEST_CASE("soap tangent: matches finite differences: periodic sheared Si", "[soap][tangent][gradcheck]") {
    SoapConfig cfg;  // paper setting: n_max 8, l_max 6, rc 5
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        cfg.normalization = norm;
        check_against_fd(periodic_si(), cfg);
    }
}

TEST_CASE("soap tangent: matches finite differences: free Si/Ge cluster", "[soap][tangent][gradcheck]") {
    SoapConfig cfg = si_ge_config();
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        cfg.normalization = norm;
        check_against_fd(free_si_ge(), cfg);
    }
}

namespace {

// Random values in [-1, 1] in the scalar type under test.
template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
    const std::vector<double> v = test::random_vector(n, seed);
    return std::vector<T>(v.begin(), v.end());
}

// sum dL_dP . Pdot against sum dL_dvec . u: soap_bwd is the adjoint of soap_tangent_fwd, so both
// are the same number, computed along two different paths.
template <class T>
void check_adjoint(const Structure& s, const SoapConfig& cfg) {
    const SoapBasis basis = SoapBasis::make(cfg);
    const GraphBatch batch = make_graph_batch({s}, cfg.cutoff);
    SoapSaved<T> saved;
    std::vector<T> P, Pdot, dL_dvec;
    soap_fwd(Host{1}, batch, basis, saved, P);
    std::vector<T> u = random_values<T>(3 * std::size_t(batch.n_edges()), 31);
    const std::vector<T> dL_dP = random_values<T>(P.size(), 32);
    soap_tangent_fwd(Host{1}, batch, basis, saved, P, matrix_of(u, 3), Pdot);  // a mutable view converts
    soap_bwd(Host{1}, batch, basis, saved, P, matrix_of(dL_dP, basis.n_features()), dL_dvec);
    // sums in double so that only the kernels' rounding is compared
    double forward = 0, adjoint = 0, magnitude = 0;
    for (std::size_t k = 0; k < P.size(); ++k) {
        forward += double(dL_dP[k]) * double(Pdot[k]);
        magnitude += std::abs(double(dL_dP[k]) * double(Pdot[k]));
    }
    for (std::size_t k = 0; k < u.size(); ++k) {
        adjoint += double(dL_dvec[k]) * double(u[k]);
        magnitude += std::abs(double(dL_dvec[k]) * double(u[k]));
    }
    // Each side rounds along a chain whose longest sum runs over the n_coefficients entries of c
    // or dL_dc; rounding errors add like a random walk, ~ sqrt(n_coefficients) eps of the terms'
    // magnitude, and the tolerance allows twice that.
    const double tol = 2 * std::sqrt(double(cfg.n_coefficients())) * double(test::eps<T>());
    const double rel = std::abs(forward - adjoint) / magnitude;
    INFO("sum dL_dP . Pdot " << forward << ", sum dL_dvec . u " << adjoint << ": difference " << rel
                             << " of sum |terms| (" << rel / double(test::eps<T>()) << " eps)");
    CHECK(rel <= tol);
}

}  // namespace

TEMPLATE_TEST_CASE("soap tangent: adjoint of soap_bwd", "[soap][tangent]", float, double) {
    SoapConfig cfg = si_ge_config();
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        cfg.normalization = norm;
        check_adjoint<TestType>(free_si_ge(), cfg);
        SoapConfig si;
        si.normalization = norm;
        check_adjoint<TestType>(periodic_si(), si);
    }
}

// Every centre writes only its own rows of the scratch and of Pdot, so the result cannot depend
// on which thread took which chunk of atoms: bit-identical for one and two threads.
TEST_CASE("soap tangent: independent of the thread count", "[soap][tangent]") {
    Structure s = test::diamond(5.43, 3, 3, 3);
    test::rattle(s, 0.1, 9);
    for (auto norm : {SoapNormalization::none, SoapNormalization::l2}) {
        SoapConfig cfg;
        cfg.normalization = norm;
        const SoapBasis basis = SoapBasis::make(cfg);
        const GraphBatch batch = make_graph_batch({s}, cfg.cutoff);
        // for_each_dynamic stays serial below 64 atoms; 216 give two threads several chunks each
        REQUIRE(batch.n_atoms() >= 64);
        if (Host{2}.resolved_threads() < 2) WARN("built without OpenMP: both runs are serial");
        SoapSaved<double> saved;
        std::vector<double> P, Pdot1, Pdot2;
        soap_fwd(Host{1}, batch, basis, saved, P);
        const std::vector<double> u = test::random_vector(3 * std::size_t(batch.n_edges()), 41);
        soap_tangent_fwd(Host{1}, batch, basis, saved, P, matrix_of(u, 3), Pdot1);
        soap_tangent_fwd(Host{2}, batch, basis, saved, P, matrix_of(u, 3), Pdot2);
        REQUIRE(Pdot1.size() == Pdot2.size());
        std::size_t differ = 0;
        for (std::size_t k = 0; k < Pdot1.size(); ++k) differ += Pdot1[k] != Pdot2[k];
        CHECK(differ == 0);
    }
}

// Wrong shapes and a stale saved state are refused with a message that names the function.
TEST_CASE("soap tangent: refuses mismatched inputs", "[soap][tangent]") {
    const SoapConfig cfg;
    const SoapBasis basis = SoapBasis::make(cfg);
    const GraphBatch batch = make_graph_batch({periodic_si()}, cfg.cutoff);
    SoapSaved<double> saved;
    std::vector<double> P, Pdot;
    soap_fwd(Host{1}, batch, basis, saved, P);
    const std::vector<double> u(3 * std::size_t(batch.n_edges()) - 3);  // one edge short
    const std::string short_u =
        test::thrown_message([&] { soap_tangent_fwd(Host{1}, batch, basis, saved, P, matrix_of(u, 3), Pdot); });
    CHECK_THAT(short_u, Catch::Contains("soap_tangent_fwd") && Catch::Contains("expected (") &&
                            Catch::Contains("one tangent vector per edge"));
    const std::vector<double> u_ok(3 * std::size_t(batch.n_edges()));
    P.pop_back();
    const std::string stale =
        test::thrown_message([&] { soap_tangent_fwd(Host{1}, batch, basis, saved, P, matrix_of(u_ok, 3), Pdot); });
    CHECK_THAT(stale, Catch::Contains("soap_tangent_fwd") && Catch::Contains("call soap_fwd"));
}
