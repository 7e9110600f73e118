// The whole SchNet: parameter gradients of an MSE energy loss, forces and virial against central
// finite differences in double; invariances; batch independence; float against double.
#include <catch2/catch.hpp>

#include "eipnn/nn/schnet.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;

namespace {

// Small but complete: every parameter kind, two interactions, two heads, a classifier.
SchNetConfig small_config(bool residual) {
    SchNetConfig c;
    c.species = {14, 32};
    c.cutoff = 3.5;
    c.n_features = 6;
    c.n_rbf = 10;
    c.n_interactions = 2;
    c.residual = residual;
    c.head_hidden = 5;
    c.n_heads = 2;
    c.n_classes = 3;
    c.classifier_hidden = 4;
    return c;
}

std::vector<Structure> structures() {
    Structure a = eipnn::test::diamond(5.43);
    eipnn::test::rattle(a, 0.15, 3);
    a.numbers[2] = 32;
    Structure b = eipnn::test::random_triclinic(6, 4.0, 5.5, 55, 115, 11, /*outside=*/true);
    b.numbers[0] = 32;
    return {a, b};
}

SchNet<double> small_model(bool residual) {
    SchNet<double> m(small_config(residual), 5);
    m.head_scale = {1.3, 0.7};
    m.head_ref = {-4.0, -3.5, -1.0, 0.5};
    return m;
}

std::vector<double> energies(const SchNet<double>& m, const std::vector<Structure>& s, int threads = 1) {
    SchNetForward<double> fw;
    m.forward(Host{threads}, make_graph_batch(s, m.config.cutoff), fw);
    return fw.energies;
}

}  // namespace

TEST_CASE("SchNet parameter gradients of an MSE energy loss", "[nn][gradcheck]") {
    for (bool residual : {false, true}) {
        SchNet<double> m = small_model(residual);
        const GraphBatch batch = make_graph_batch(structures(), m.config.cutoff);
        const std::vector<double> target{-30.0, 2.0, -20.0, 1.0};  // (n_graphs, n_heads)
        const Host host{2};
        SchNetForward<double> fw;
        auto loss = [&] {
            m.forward(host, batch, fw);
            double l = 0;
            for (std::size_t k = 0; k < target.size(); ++k) l += (fw.energies[k] - target[k]) * (fw.energies[k] - target[k]);
            return l / double(target.size());
        };
        loss();
        std::vector<double> dL_dE(target.size());
        for (std::size_t k = 0; k < target.size(); ++k) dL_dE[k] = 2 * (fw.energies[k] - target[k]) / double(target.size());
        ParameterBuffer<double> grads(m.layout);
        m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
        // the classifier's parameters do not enter the energy: zero gradient, checked by FD too
        check_gradient(residual ? "SchNet(residual) parameters" : "SchNet parameters", m.params.data, grads.data, loss);
    }
}

TEST_CASE("SchNet forces and virial against finite differences of the energy", "[nn][gradcheck]") {
    const SchNet<double> m = small_model(false);
    std::vector<Structure> s = structures();
    const Host host{2};
    SchNetForward<double> fw;
    EnergyForces<double> ef;
    m.energy_forces(host, make_graph_batch(s, m.config.cutoff), fw, ef);
    for (std::size_t g = 0; g < s.size(); ++g) {
        // forces: rebuild the list at every displaced position (pairs may cross the cutoff; the
        // cosine cutoff keeps the energy twice differentiable there)
        auto energy = [&] { return energies(m, {s[g]})[0]; };
        std::vector<double> minus_f;
        const index_t a0 = g == 0 ? 0 : s[0].size();
        for (index_t k = 0; k < 3 * s[g].size(); ++k) minus_f.push_back(-ef.forces[3 * std::size_t(a0) + std::size_t(k)]);
        check_gradient(str("-forces of structure ", g), s[g].positions, minus_f, energy);
        // virial W = -dE/d(strain): positions and cell scaled by (1 + eps), eps symmetric or not
        std::vector<double> eps(9, 0.0), minus_w(9);
        auto strained = [&] {
            Structure t = s[g];
            auto apply = [&](double* v) {
                const double x = v[0], y = v[1], z = v[2];
                for (int b = 0; b < 3; ++b) v[b] += x * eps[0 * 3 + b] + y * eps[1 * 3 + b] + z * eps[2 * 3 + b];
            };
            for (index_t i = 0; i < t.size(); ++i) apply(&t.positions[3 * std::size_t(i)]);
            for (auto& row : t.cell.lattice) apply(row.data());
            return energies(m, {t})[0];
        };
        for (int c = 0; c < 9; ++c) minus_w[std::size_t(c)] = -ef.virial[9 * g + std::size_t(c)];
        check_gradient(str("-virial of structure ", g), eps, minus_w, strained);
    }
}

TEST_CASE("SchNet invariances: translation, rotation, permutation, periodic images", "[nn]") {
    const SchNet<double> m = small_model(true);
    const Structure s = structures()[1];
    const double e0 = energies(m, {s})[0];
    const double tol = 1e3 * eipnn::test::eps<double>() * (1 + std::abs(e0));
    Structure t = s;
    for (index_t i = 0; i < t.size(); ++i) {
        t.positions[3 * i] += 1.7;
        t.positions[3 * i + 1] -= 0.3;
        t.positions[3 * i + 2] += 12.0;
    }
    CHECK(std::abs(energies(m, {t})[0] - e0) <= tol);
    // rotation about a generic axis: positions and lattice rotated together
    const double c = std::cos(0.7), sn = std::sin(0.7);
    auto rot = [&](double* v) {
        const double x = v[0], y = v[1];
        v[0] = c * x - sn * y;
        v[1] = sn * x + c * y;
        const double y2 = v[1], z = v[2];
        v[1] = c * y2 - sn * z;
        v[2] = sn * y2 + c * z;
    };
    Structure r = s;
    for (index_t i = 0; i < r.size(); ++i) rot(&r.positions[3 * std::size_t(i)]);
    for (auto& row : r.cell.lattice) rot(row.data());
    CHECK(std::abs(energies(m, {r})[0] - e0) <= tol);
    // permutation of atoms
    Structure p = s;
    const std::vector<int> perm{3, 0, 5, 1, 4, 2};
    for (int i = 0; i < 6; ++i) {
        for (int k = 0; k < 3; ++k) p.positions[3 * i + k] = s.positions[3 * perm[i] + k];
        p.numbers[i] = s.numbers[perm[i]];
    }
    CHECK(std::abs(energies(m, {p})[0] - e0) <= tol);
    // periodic images: wrapping atoms by lattice vectors, and a 2x1x1 supercell doubles E - ref
    Structure w = s;
    for (int k = 0; k < 3; ++k) w.positions[3 * 2 + k] -= 2 * s.cell.lattice[1][k];
    CHECK(std::abs(energies(m, {w})[0] - e0) <= tol);
    Structure sc = s;
    sc.cell.lattice[0] = {2 * s.cell.lattice[0][0], 2 * s.cell.lattice[0][1], 2 * s.cell.lattice[0][2]};
    for (index_t i = 0; i < s.size(); ++i) {
        for (int k = 0; k < 3; ++k) sc.positions.push_back(s.positions[3 * i + k] + s.cell.lattice[0][k]);
        sc.numbers.push_back(s.numbers[std::size_t(i)]);
    }
    CHECK(std::abs(energies(m, {sc})[0] - 2 * e0) <= 2 * tol);
}

TEST_CASE("SchNet energies do not depend on the batch or the thread count", "[nn]") {
    const SchNet<double> m = small_model(false);
    const std::vector<Structure> s = structures();
    Structure extra = eipnn::test::diamond(5.5, 2, 1, 1);
    eipnn::test::rattle(extra, 0.05, 9);
    const std::vector<double> alone = energies(m, {s[1]});
    const std::vector<double> batched = energies(m, {extra, s[0], s[1]});
    for (int k = 0; k < 2; ++k)
        CHECK(std::abs(batched[4 + k] - alone[std::size_t(k)]) <= 1e3 * eipnn::test::eps<double>() * (1 + std::abs(alone[std::size_t(k)])));
    const std::vector<double> one = energies(m, {extra, s[0], s[1]}, 1), two = energies(m, {extra, s[0], s[1]}, 2);
    CHECK(one == two);  // fixed blocking and ordered reductions: bit-identical
}

TEST_CASE("SchNet in float agrees with double to float tolerance", "[nn]") {
    SchNetConfig cfg = small_config(false);
    cfg.n_features = 32;
    cfg.n_rbf = 25;
    const SchNet<double> md(cfg, 8);
    const SchNet<float> mf = md.cast<float>();
    const GraphBatch batch = make_graph_batch(structures(), cfg.cutoff);
    SchNetForward<double> fd;
    SchNetForward<float> ff;
    EnergyForces<double> ed;
    EnergyForces<float> ef;
    md.energy_forces(Host{2}, batch, fd, ed);
    mf.energy_forces(Host{2}, batch, ff, ef);
    // float rounding compounds over ~10 layers and sums of ~50 terms: allow 1e3 float epsilons of
    // the quantity's scale (5e-5 relative), far below any modelling difference
    const double tol = 1e3 * eipnn::test::eps<float>();
    double fscale = 0;
    for (double f : ed.forces) fscale = std::max(fscale, std::abs(f));
    for (std::size_t g = 0; g < ed.energies.size(); ++g)
        CHECK(std::abs(ef.energies[g] - ed.energies[g]) <= tol * (1 + std::abs(ed.energies[g])));
    for (std::size_t k = 0; k < ed.forces.size(); ++k) CHECK(std::abs(ef.forces[k] - ed.forces[k]) <= tol * (1 + fscale));
}

TEST_CASE("SchNet rejects bad input with a clear error", "[nn]") {
    const SchNet<double> m = small_model(false);
    Structure s = eipnn::test::diamond(5.43);
    s.numbers[0] = 6;
    SchNetForward<double> fw;
    CHECK_THROWS_WITH(m.forward(Host{1}, make_graph_batch({s}, m.config.cutoff), fw),
                      Catch::Contains("atomic number 6"));
    CHECK_THROWS_AS(m.forward(Host{1}, make_graph_batch({eipnn::test::diamond(5.43)}, 4.0), fw), Error);
    SchNetConfig bad;
    bad.n_features = 0;
    CHECK_THROWS_AS(SchNet<double>(bad), Error);
}
