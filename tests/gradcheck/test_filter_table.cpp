// Compressed SchNet filters (nn/filter_table.hpp, nn/cfconv_table.hpp): the table interpolates
// within its stated Hermite bound and converges at its order; a compressed model's forces and
// virial are the finite differences of its own energy (double); it agrees with the exact model on
// real mlearn Si data within tolerances that scale with the grid spacing; building and evaluating
// is deterministic for any thread count; training through a table is refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/schnet.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/model_fixtures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;
using eipnn::test::model_energies;
using eipnn::test::model_test_structures;
using eipnn::test::small_model;

namespace {

using Fixture = eipnn::test::ModelFixture<SchNet<double>>;

double gaussian_width(const GaussianBasis& b) { return std::sqrt(0.5 / b.gamma); }

// max |o''''| over [0, r_max] and every channel of block t: third central differences of the
// exact slope o' on a grid of step d = sigma / 20 (truncation O(d^2 o^(6)) ~ 1e-3 relative;
// rounding eps |o'| / d^3 ~ 1e-9 of the result at these sizes).
double max_fourth_derivative(const SchNet<double>& m, index_t t) {
    const double d = gaussian_width(m.basis) / 20;
    std::vector<double> r;
    for (double x = 0; x <= m.config.cutoff; x += d) r.push_back(x);
    std::vector<double> rows;
    exact_filter_rows(Host{2}, m.block(t).filter, m.basis, r, rows);
    const index_t F = m.config.n_features;
    auto slope = [&](std::size_t k, index_t c) { return rows[k * std::size_t(2 * F) + std::size_t(F + c)]; };
    double m4 = 0;
    for (std::size_t k = 0; k + 3 < r.size(); ++k)
        for (index_t c = 0; c < F; ++c)
            m4 = std::max(m4, std::abs(slope(k + 3, c) - 3 * slope(k + 2, c) + 3 * slope(k + 1, c) - slope(k, c)) /
                                  (d * d * d));
    return m4;
}

// The paper's SchNet (128 features, 128 Gaussians, 5 blocks, 5 Å) for Si, random weights.
SchNet<double> paper_si_model() {
    SchNetConfig c;
    c.species = {14};
    SchNet<double> m(c, 7);
    m.head_ref = {-5.0};
    return m;
}

struct Deviation {
    double energy_per_atom = 0, force = 0;  // max |dE| / n_atoms, max |dF| component
};

Deviation deviation(const EnergyForces<double>& a, const EnergyForces<double>& b, const GraphBatch& batch) {
    Deviation d;
    for (index_t g = 0; g < batch.n_graphs(); ++g) {
        const double n = double(batch.atom_offsets[g + 1] - batch.atom_offsets[g]);
        d.energy_per_atom = std::max(d.energy_per_atom, std::abs(a.energies[std::size_t(g)] - b.energies[std::size_t(g)]) / n);
    }
    for (std::size_t k = 0; k < a.forces.size(); ++k) d.force = std::max(d.force, std::abs(a.forces[k] - b.forces[k]));
    return d;
}

}  // namespace

TEST_CASE("filter table: Hermite error within h^4 max|o''''|/384 and sqrt(3) h^3 max|o''''|/216, 4th/3rd order",
          "[nn][filter_table]") {
    const SchNet<double> m = paper_si_model();
    const double sigma = gaussian_width(m.basis);
    for (index_t t : {index_t(0), index_t(4)}) {
        const FilterParams<double> fp = m.block(t).filter;
        const double m4 = max_fourth_derivative(m, t);
        FilterTableError prev{};
        for (double frac : {0.25, 0.125, 0.0625}) {
            const FilterTable<double> tab = build_filter_table(Host{2}, fp, m.basis, m.config.cutoff, frac * sigma);
            const FilterTableError e = filter_table_error(Host{2}, tab, fp, m.basis);
            const double h = tab.spacing;
            INFO("block " << t << " h " << h << " max|o''''| " << m4 << " value error " << e.value << " slope error "
                          << e.slope);
            // the bounds, with 5 % for the estimate of max|o''''| and the o(h^3) term of the slope's
            CHECK(e.value <= 1.05 * std::pow(h, 4) * m4 / 384);
            CHECK(e.slope <= 1.05 * std::sqrt(3.0) * std::pow(h, 3) * m4 / 216);
            CHECK(e.value > 0);  // a table that were exact would not test the bound
            if (prev.value > 0) {  // halving h: value error / 16, slope error / 8 (asymptotically)
                CHECK(prev.value / e.value > 12);
                CHECK(prev.value / e.value < 20);
                CHECK(prev.slope / e.slope > 6);
                CHECK(prev.slope / e.slope < 10);
            }
            prev = e;
        }
    }
    // the table's size: n_blocks x n_nodes x 2F values
    SchNet<double> c = m;
    c.compress_filters(Host{2});
    const FilterTable<double>& b0 = c.compressed->blocks.front();
    // the coarsest uniform grid over [0, cutoff] no wider than the default spacing
    const double h0 = default_filter_table_spacing(m.basis);
    CHECK(b0.spacing <= h0 * (1 + 1e-12));
    CHECK(m.config.cutoff / double(b0.n_nodes - 2) > h0);
    CHECK(std::abs(b0.r_max() - m.config.cutoff) < 1e-12);
    CHECK(c.compressed->bytes() == 5 * std::size_t(b0.n_nodes) * 2 * 128 * sizeof(double));
}

TEST_CASE("compressed SchNet forces and virial are finite differences of its own energy", "[nn][filter_table][gradcheck]") {
    for (const auto& cfg : Fixture::gradcheck_configs()) {
        const SchNet<double> exact = small_model<SchNet<double>>(cfg);
        SchNet<double> m = exact;
        // a coarse grid (1.5 sigma, 0.58 Å), so the compressed model differs from the exact one far
        // beyond the finite differences' tolerance: a derivative of the exact filter would fail below
        m.compress_filters(Host{2}, 1.5 * gaussian_width(m.basis));
        std::vector<Structure> s = model_test_structures();
        const Host host{2};
        SchNetForward<double> fw;
        EnergyForces<double> ef, ex;
        const GraphBatch batch = make_graph_batch(s, m.config.cutoff);
        m.energy_forces(host, batch, fw, ef);
        exact.energy_forces(host, batch, fw, ex);
        CHECK(deviation(ef, ex, batch).force > 1e3 * eipnn::test::fd_tolerance());
        index_t a0 = 0;
        for (std::size_t g = 0; g < s.size(); ++g) {
            // The compressed energy is C1 in r, its second derivative jumps at the nodes: a central
            // difference straddling one would err by (jump) x kStep. With kStep = 1e-5 Å against a
            // 0.58 Å grid that is a ~3e-5 chance per pair, and these fixed structures miss it.
            auto energy = [&] { return model_energies(m, {s[g]})[0]; };
            std::vector<double> minus_f;
            for (index_t k = 0; k < 3 * s[g].size(); ++k) minus_f.push_back(-ef.forces[3 * std::size_t(a0) + std::size_t(k)]);
            check_gradient(str("compressed schnet -forces of structure ", g), s[g].positions, minus_f, energy);
            a0 += s[g].size();
            std::vector<double> eps(9, 0.0), minus_w(9);
            auto strained = [&] {
                Structure t = s[g];
                auto apply = [&](double* v) {
                    const double x = v[0], y = v[1], z = v[2];
                    for (int b = 0; b < 3; ++b) v[b] += x * eps[0 * 3 + b] + y * eps[1 * 3 + b] + z * eps[2 * 3 + b];
                };
                for (index_t i = 0; i < t.size(); ++i) apply(&t.positions[3 * std::size_t(i)]);
                for (auto& row : t.cell.lattice) apply(row.data());
                return model_energies(m, {t})[0];
            };
            for (int c = 0; c < 9; ++c) minus_w[std::size_t(c)] = -ef.virial[9 * g + std::size_t(c)];
            check_gradient(str("compressed schnet -virial of structure ", g), eps, minus_w, strained);
        }
    }
}

// Tolerances from the grid: the goals (1e-4 eV/atom, 1e-3 eV/Å) at the default spacing
// h0, scaled with the interpolation's order, (h/h0)^4 for energies and (h/h0)^3 for forces.
TEST_CASE("compressed SchNet agrees with the exact model on mlearn Si within tolerances of its grid",
          "[nn][filter_table][data]") {
    const auto file = eipnn::test::data_file_or_skip("mlearn-si/test.extxyz");
    const SchNet<double> exact = paper_si_model();
    std::vector<Structure> s;
    ExtxyzReader reader(file.string());
    Frame f;
    while (s.size() < 6 && reader.next(f)) s.push_back(f.structure);
    REQUIRE(!s.empty());
    const Host host{2};
    const GraphBatch batch = make_graph_batch(s, exact.config.cutoff);
    SchNetForward<double> fw;
    EnergyForces<double> ex, ef;
    exact.energy_forces(host, batch, fw, ex);
    const double h0 = default_filter_table_spacing(exact.basis);
    Deviation prev{};
    for (double scale : {2.0, 1.0, 0.5}) {
        SchNet<double> m = exact;
        m.compress_filters(host, scale * h0);
        m.energy_forces(host, batch, fw, ef);
        const Deviation d = deviation(ef, ex, batch);
        const double q = m.compressed->spacing / h0;
        INFO("spacing " << m.compressed->spacing << " Å: max |dE| " << d.energy_per_atom << " eV/atom, max |dF| "
                        << d.force << " eV/Å");
        CHECK(d.energy_per_atom <= 1e-4 * std::pow(q, 4));
        CHECK(d.force <= 1e-3 * std::pow(q, 3));
        CHECK(d.force > 0);
        if (prev.force > 0) CHECK(prev.force / d.force > 5);  // third order: 8 asymptotically
        prev = d;
    }
}

TEST_CASE("filter tables and compressed energies and forces do not depend on the thread count",
          "[nn][filter_table]") {
    SchNetConfig cfg = Fixture::small_config();
    cfg.cutoff = 5.0;  // 28 neighbours per diamond Si atom: enough pairs below
    SchNet<double> one = small_model<SchNet<double>>(cfg);
    SchNet<double> two = one, again = one;
    one.compress_filters(Host{1}, 0.01);
    two.compress_filters(Host{2}, 0.01);
    again.compress_filters(Host{2}, 0.01);
    REQUIRE(one.compressed->blocks.size() == 2);
    for (std::size_t t = 0; t < 2; ++t) {
        CHECK(one.compressed->blocks[t].nodes == two.compressed->blocks[t].nodes);
        CHECK(two.compressed->blocks[t].nodes == again.compressed->blocks[t].nodes);
    }
    // enough pairs that the per-pair loops run in parallel (kHostParallelMin)
    Structure big = eipnn::test::diamond(5.43, 4, 4, 4);
    eipnn::test::rattle(big, 0.1, 4);
    const GraphBatch batch = make_graph_batch({big, model_test_structures()[1]}, one.config.cutoff);
    REQUIRE(batch.n_pairs() > 2 * kHostParallelMin);
    SchNetForward<double> fw;
    EnergyForces<double> a, b;
    one.energy_forces(Host{1}, batch, fw, a);
    one.energy_forces(Host{2}, batch, fw, b);
    CHECK(a.energies == b.energies);
    CHECK(a.forces == b.forces);
    CHECK(a.virial == b.virial);
}

TEST_CASE("a compressed SchNet refuses training and becomes exact again when the tables are dropped",
          "[nn][filter_table]") {
    const SchNet<double> exact = small_model<SchNet<double>>(Fixture::small_config());
    SchNet<double> m = exact;
    m.compress_filters(Host{2});
    const std::vector<Structure> s = model_test_structures();
    const GraphBatch batch = make_graph_batch(s, m.config.cutoff);
    SchNetForward<double> fw;
    m.forward(Host{2}, batch, fw);
    CHECK(SchNet<double>::tabulated(fw));
    ParameterBuffer<double> grads(m.layout);
    const std::vector<double> dL_dE(fw.energies.size(), 1.0);
    const std::string why = eipnn::test::thrown_message(
        [&] { m.backward(Host{2}, batch, fw, span_of(dL_dE), &grads, nullptr); });
    CHECK_THAT(why, Catch::Contains("compressed filters") && Catch::Contains("parameter gradients") &&
                        Catch::Contains("drop_compressed_filters"));
    SchNetForceAdjoints<double> adj;
    std::vector<double> dE_dvec;
    CHECK_THAT(eipnn::test::thrown_message([&] { m.force_backward(Host{2}, batch, fw, adj, dE_dvec); }),
               Catch::Contains("second derivatives"));
    // the default grid already agrees closely; without the tables the model is the exact one again
    const std::vector<double> e_exact = model_energies(exact, s), e_comp = model_energies(m, s);
    for (std::size_t k = 0; k < e_exact.size(); ++k) CHECK(std::abs(e_comp[k] - e_exact[k]) < 1e-6);
    m.drop_compressed_filters();
    CHECK(model_energies(m, s) == e_exact);
    CHECK(m.cast<float>().compressed == nullptr);
}
