// The whole SOAPNet: parameter gradients of an MSE energy loss (two heads) and of the classifier's
// cross-entropy through the backbone, forces and virial, all against central finite differences
// in double (steps and tolerances: nn_fd_support.hpp, derived from double's epsilon); float
// against double; batch and thread independence; the input standardisation; checkpoints; transfer.
// Test names start with "soapnet" (ctest -R soapnet).
#include <catch2/catch.hpp>

#include "eipnn/nn/soapnet.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "eipnn/train/soapnet_checkpoint.hpp"
#include "eipnn/train/soapnet_inputs.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;

namespace {

// Small but complete: two species, two backbone layers, two heads, a classifier.
SoapNetConfig small_config() {
    SoapNetConfig c;
    c.species = {14, 32};
    c.cutoff = 3.5;
    c.soap.n_max = 3;
    c.soap.l_max = 2;
    c.soap.sigma = 0.5;
    c.soap.cutoff_width = 1.0;
    c.hidden = 6;
    c.n_backbone_layers = 2;
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
    Structure c = eipnn::test::diamond(5.5);
    eipnn::test::rattle(c, 0.1, 21);
    return {a, b, c};
}

PreparedSet prepared(const std::vector<Structure>& s, double cutoff) {
    PreparedSet p;
    for (const Structure& x : s) {
        p.structures.push_back(x);
        p.lists.push_back(build_neighbor_list(x, cutoff));
        p.energies.push_back(0.0);
    }
    return p;
}

// Standardised from the test structures (so every input is O(1)), non-trivial head constants.
SoapNet<double> small_model(SoapNetConfig cfg = small_config(), unsigned seed = 5) {
    SoapNet<double> m(cfg, seed);
    prepare_model_inputs(m, prepared(structures(), cfg.cutoff), Host{2});
    m.head_scale = {1.3, 0.7};
    m.head_ref = {-4.0, -3.5, -1.0, 0.5};
    return m;
}

std::vector<double> energies(const SoapNet<double>& m, const std::vector<Structure>& s, int threads = 1) {
    SoapNetForward<double> fw;
    m.forward(Host{threads}, make_graph_batch(s, m.config.cutoff), fw);
    return fw.energies;
}

}  // namespace

TEST_CASE("soapnet parameter gradients of an MSE energy loss (two heads)", "[nn][gradcheck]") {
    SoapNet<double> m = small_model();
    const std::vector<Structure> s = structures();
    const GraphBatch batch = make_graph_batch(s, m.config.cutoff);
    const std::vector<double> target{-30.0, 2.0, -20.0, 1.0, -35.0, -3.0};  // (n_graphs, n_heads)
    const Host host{2};
    SoapNetForward<double> fw;
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
    check_gradient("SOAPNet parameters", m.params.data, grads.data, loss);
}

TEST_CASE("soapnet classifier cross-entropy gradients through the backbone", "[nn][gradcheck]") {
    SoapNet<double> m = small_model();
    const GraphBatch batch = make_graph_batch(structures(), m.config.cutoff);
    const std::vector<int> labels{2, 0, 1};
    const Host host{2};
    for (index_t c = 0; c < m.config.hidden; ++c) {
        m.bn.running_mean[std::size_t(c)] = 0.3 * c;
        m.bn.running_var[std::size_t(c)] = 0.5 + 0.2 * c;
    }
    for (bool training : {true, false}) {
        SoapNetForward<double> fw;
        ClassifierSaved<double> cs;
        std::vector<double> dL_dlogits;
        // running statistics change in training mode but do not enter its logits
        auto loss = [&] {
            m.forward(host, batch, fw);
            m.classifier_forward(host, batch, fw, training, cs);
            return cross_entropy(matrix_of(std::as_const(cs.logits), m.config.n_classes), labels, dL_dlogits);
        };
        loss();
        ParameterBuffer<double> grads(m.layout);
        const std::vector<double> dx = m.classifier_backward(host, batch, cs, dL_dlogits, &grads);
        const std::vector<double> no_energy(std::size_t(batch.n_graphs()) * m.config.n_heads, 0.0);
        m.backward(host, batch, fw, span_of(no_energy), &grads, nullptr, &dx);
        check_gradient(training ? "SOAPNet classifier (BatchNorm training)" : "SOAPNet classifier (BatchNorm evaluation)",
                       m.params.data, grads.data, loss);
    }
}

TEST_CASE("soapnet forces and virial against finite differences of the energy", "[nn][gradcheck]") {
    const SoapNet<double> m = small_model();
    std::vector<Structure> s = structures();
    const Host host{2};
    SoapNetForward<double> fw;
    EnergyForces<double> ef;
    m.energy_forces(host, make_graph_batch(s, m.config.cutoff), fw, ef);
    double fscale = 0;
    for (double f : ef.forces) fscale = std::max(fscale, std::abs(f));
    CHECK(fscale > 1e-3);  // rattled and random structures: a check of zero forces would prove nothing
    index_t a0 = 0;
    for (std::size_t g = 0; g < s.size(); ++g) {
        // forces: rebuild the list at every displaced position (pairs may cross the cutoff; the
        // cosine switch keeps the energy twice differentiable there)
        auto energy = [&] { return energies(m, {s[g]})[0]; };
        std::vector<double> minus_f;
        for (index_t k = 0; k < 3 * s[g].size(); ++k) minus_f.push_back(-ef.forces[3 * std::size_t(a0) + std::size_t(k)]);
        check_gradient(str("-forces of structure ", g), s[g].positions, minus_f, energy);
        a0 += s[g].size();
        // virial W = -dE/d(strain): positions and cell scaled by (1 + eps), eps not symmetric
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

TEST_CASE("soapnet energies do not depend on the batch or the thread count", "[nn]") {
    const SoapNet<double> m = small_model();
    const std::vector<Structure> s = structures();
    Structure extra = eipnn::test::diamond(5.5, 2, 1, 1);
    eipnn::test::rattle(extra, 0.05, 9);
    const std::vector<double> alone = energies(m, {s[1]});
    const std::vector<double> batched = energies(m, {extra, s[0], s[1]});
    // the same sums in another order of graphs: equal up to rounding of a few hundred terms
    for (int k = 0; k < 2; ++k)
        CHECK(std::abs(batched[4 + std::size_t(k)] - alone[std::size_t(k)]) <=
              1e3 * eipnn::test::eps<double>() * (1 + std::abs(alone[std::size_t(k)])));
    // the network part from fixed descriptors: fixed GEMM blocking and ordered sums, bit-identical
    const GraphBatch batch = make_graph_batch({extra, s[0], s[1]}, m.config.cutoff);
    SoapNetForward<double> f1, f2;
    m.forward(Host{1}, batch, f1);
    m.forward_descriptors(Host{1}, batch, f1.P, f2);
    CHECK(f1.energies == f2.energies);
    m.forward_descriptors(Host{2}, batch, f1.P, f2);
    CHECK(f1.energies == f2.energies);
}

TEST_CASE("soapnet in float agrees with double to float tolerance", "[nn]") {
    SoapNetConfig cfg = small_config();
    cfg.hidden = 32;
    cfg.head_hidden = 32;
    cfg.soap.n_max = 4;
    cfg.soap.l_max = 3;
    const SoapNet<double> md = small_model(cfg, 8);
    const SoapNet<float> mf = md.cast<float>();
    const GraphBatch batch = make_graph_batch(structures(), cfg.cutoff);
    SoapNetForward<double> fd;
    SoapNetForward<float> ff;
    EnergyForces<double> ed;
    EnergyForces<float> ef;
    md.energy_forces(Host{2}, batch, fd, ed);
    mf.energy_forces(Host{2}, batch, ff, ef);
    // float rounding compounds over the descriptor's sums and ~6 layers: allow 1e3 float epsilons
    // of the quantity's scale (1e-4 relative), far below any modelling difference
    const double tol = 1e3 * eipnn::test::eps<float>();
    double fscale = 0;
    for (double f : ed.forces) fscale = std::max(fscale, std::abs(f));
    for (std::size_t g = 0; g < ed.energies.size(); ++g)
        CHECK(std::abs(ef.energies[g] - ed.energies[g]) <= tol * (1 + std::abs(ed.energies[g])));
    for (std::size_t k = 0; k < ed.forces.size(); ++k) CHECK(std::abs(ef.forces[k] - ed.forces[k]) <= tol * (1 + fscale));
}

TEST_CASE("soapnet input standardisation from the training set", "[nn]") {
    const SoapNetConfig cfg = small_config();
    SoapNet<double> m(cfg, 3);
    const std::vector<Structure> s = structures();
    prepare_model_inputs(m, prepared(s, cfg.cutoff), Host{2});
    // over the training atoms the standardised features have mean 0 and std 1 (or < 1 where floored)
    SoapNetForward<double> fw;
    m.forward(Host{2}, make_graph_batch(s, cfg.cutoff), fw);
    const index_t D = m.n_descriptors(), n = index_t(fw.P.size()) / D;
    const MatrixView<const double> z = matrix_of(std::as_const(fw.x[0]), D);
    index_t unit = 0;
    for (index_t c = 0; c < D; ++c) {
        double mean = 0, var = 0;
        for (index_t i = 0; i < n; ++i) mean += z(i, c);
        mean /= n;
        for (index_t i = 0; i < n; ++i) var += (z(i, c) - mean) * (z(i, c) - mean);
        const double sd = std::sqrt(var / n);
        CHECK(std::abs(mean) <= 1e-9);
        CHECK(sd <= 1 + 1e-9);
        if (std::abs(sd - 1) <= 1e-9) ++unit;
        // the floor: no feature amplified beyond 1/kSoapStdFloor of the widest one's scaling
        CHECK(m.input_inv_std[std::size_t(c)] > 0);
    }
    CHECK(unit > D / 2);
    double smallest = 1e300;
    for (double v : m.input_inv_std) smallest = std::min(smallest, v);
    for (double v : m.input_inv_std) CHECK(v <= smallest / kSoapStdFloor * (1 + 1e-12));
    // SchNet needs nothing
    SchNet<double> sn;
    const std::vector<double> before = sn.params.data;
    prepare_model_inputs(sn, prepared(s, sn.config.cutoff), Host{1});
    CHECK(sn.params.data == before);
}

TEST_CASE("soapnet checkpoint round trip is exact and the wrong kind is rejected", "[nn]") {
    SoapNet<double> m = small_model();
    for (index_t c = 0; c < m.config.hidden; ++c) m.bn.running_var[std::size_t(c)] = 1.0 + 0.25 * c;
    Checkpoint c;
    store_model(m, c);
    const Checkpoint back = deserialize_checkpoint(serialize_checkpoint(c));
    const auto loaded = soapnet_from_checkpoint<double>(back, "mem");
    CHECK(loaded->params.data == m.params.data);
    CHECK(loaded->head_scale == m.head_scale);
    CHECK(loaded->head_ref == m.head_ref);
    CHECK(loaded->bn.running_mean == m.bn.running_mean);
    CHECK(loaded->bn.running_var == m.bn.running_var);
    CHECK(loaded->input_mean == m.input_mean);
    CHECK(loaded->input_inv_std == m.input_inv_std);
    const SoapNetConfig& k = loaded->config;
    CHECK(k.species == m.config.species);
    CHECK(k.cutoff == m.config.cutoff);
    CHECK(k.soap.n_max == m.config.soap.n_max);
    CHECK(k.soap.l_max == m.config.soap.l_max);
    CHECK(k.soap.sigma == m.config.soap.sigma);
    CHECK(k.soap.cutoff_width == m.config.soap.cutoff_width);
    CHECK(k.hidden == m.config.hidden);
    CHECK(k.n_backbone_layers == m.config.n_backbone_layers);
    CHECK(k.n_heads == m.config.n_heads);
    CHECK(k.n_classes == m.config.n_classes);
    CHECK(energies(*loaded, structures()) == energies(m, structures()));

    SchNet<double> sn;
    Checkpoint cs;
    store_model(sn, cs);
    CHECK_THROWS_WITH(soapnet_from_checkpoint<double>(cs, "sn.ckpt"),
                      Catch::Contains("holds a 'schnet' model, not a SOAPNet"));
    CHECK_THROWS_WITH(load_model(cs, m, "sn.ckpt"), Catch::Contains("holds a 'schnet' model, not a SOAPNet"));
    CHECK_THROWS_WITH(model_from_checkpoint<double>(c, "soap.ckpt"),
                      Catch::Contains("holds a 'soapnet' model, not a SchNet"));
}

TEST_CASE("soapnet transfer_backbone copies the backbone and the standardisation only", "[nn]") {
    const SoapNet<double> from = small_model();
    SoapNetConfig cfg = small_config();
    cfg.n_heads = 1;
    SoapNet<double> to(cfg, 99);
    const SoapNet<double> fresh = to;
    transfer_backbone(from, to);
    CHECK(to.input_mean == from.input_mean);
    CHECK(to.input_inv_std == from.input_inv_std);
    for (const ParameterEntry& e : to.layout.entries()) {
        const MatrixView<const double> a = std::as_const(to.params).at(e);
        const MatrixView<const double> b =
            e.name.rfind("backbone", 0) == 0 ? from.params.view(e.name) : std::as_const(fresh.params).view(e.name);
        for (index_t k = 0; k < e.size(); ++k) CHECK(a.data[k] == b.data[k]);
    }
    cfg.hidden = 7;
    SoapNet<double> other(cfg);
    CHECK_THROWS_AS(transfer_backbone(from, other), Error);
}

TEST_CASE("soapnet rejects bad input with a clear error", "[nn]") {
    const SoapNet<double> m = small_model();
    Structure s = eipnn::test::diamond(5.43);
    s.numbers[0] = 6;
    SoapNetForward<double> fw;
    CHECK_THROWS_WITH(m.forward(Host{1}, make_graph_batch({s}, m.config.cutoff), fw), Catch::Contains("atomic number 6"));
    CHECK_THROWS_AS(m.forward(Host{1}, make_graph_batch({eipnn::test::diamond(5.43)}, 4.0), fw), Error);
    // position gradients need the SOAP state
    const GraphBatch batch = make_graph_batch({eipnn::test::diamond(5.43)}, m.config.cutoff);
    m.forward(Host{1}, batch, fw);
    SoapNetForward<double> fd;
    m.forward_descriptors(Host{1}, batch, fw.P, fd);
    std::vector<double> dvec;
    const std::vector<double> seed(std::size_t(m.config.n_heads), 1.0);
    CHECK_THROWS_WITH(m.backward(Host{1}, batch, fd, span_of(seed), nullptr, &dvec), Catch::Contains("SOAP state"));
    CHECK_THROWS_AS(m.forward_descriptors(Host{1}, batch, std::vector<double>(3), fd), Error);
    SoapNetConfig bad = small_config();
    bad.hidden = 0;
    CHECK_THROWS_AS(SoapNet<double>(bad), Error);
}
