// Every model kind (SchNet, SOAPNet; tests/support/model_fixtures.hpp says how a small one is
// built) against the same properties, each written once: parameter gradients of an MSE energy
// loss over K heads and of the classifier's cross-entropy through the backbone, forces and virial
// -- all against central finite differences in double (step and tolerance: nn_fd_support.hpp,
// derived from double's epsilon); invariances; batch and thread independence; float against
// double; errors; checkpoint and text-weights round trips; backbone transfer. Model-specific
// properties follow as single cases. ctest names end in " - SchNet<double>" / " - SoapNet<double>".
#include <catch2/catch.hpp>

#include <cmath>

#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/model_fixtures.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using eipnn::test::check_gradient;
using eipnn::test::model_energies;
using eipnn::test::model_test_structures;
using eipnn::test::small_model;

#define EIPNN_MODELS SchNet<double>, SoapNet<double>

namespace {

// Every field two models of one kind must agree on after a round trip, compared exactly.
template <class Model>
void require_same_model(const Model& got, const Model& want) {
    CHECK(got.config.species == want.config.species);
    std::vector<double> cg, cw;
    visit_config_fields(got.config, [&](const char*, const auto& v) { cg.push_back(config_value_to_double(v)); });
    visit_config_fields(want.config, [&](const char*, const auto& v) { cw.push_back(config_value_to_double(v)); });
    CHECK(cg == cw);
    CHECK(got.params.data == want.params.data);
    CHECK(got.head_scale == want.head_scale);
    CHECK(got.head_ref == want.head_ref);
    CHECK(got.bn.running_mean == want.bn.running_mean);
    CHECK(got.bn.running_var == want.bn.running_var);
    std::vector<std::vector<double>> fg, fw;
    got.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { fg.push_back(v); });
    want.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { fw.push_back(v); });
    CHECK(fg == fw);
    CHECK(model_energies(got, model_test_structures()) == model_energies(want, model_test_structures()));
}

// Classifier statistics that differ from the initial 0 / 1, so a lost record shows.
template <class Model>
void set_running_statistics(Model& m) {
    for (std::size_t c = 0; c < m.bn.running_mean.size(); ++c) {
        m.bn.running_mean[c] = 0.3 * double(c);
        m.bn.running_var[c] = 0.5 + 0.2 * double(c);
    }
}

}  // namespace

TEMPLATE_TEST_CASE("model parameter gradients of an MSE energy loss over K heads", "[nn][gradcheck]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const auto configs = Fixture::gradcheck_configs();
    for (std::size_t variant = 0; variant < configs.size(); ++variant) {
        TestType m = small_model<TestType>(configs[variant]);
        REQUIRE(m.config.n_heads == 2);
        const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
        const std::vector<double> target{-30.0, 2.0, -20.0, 1.0, -35.0, -3.0};  // (n_graphs, n_heads)
        const Host host{2};
        typename TestType::Forward fw;
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
        // both heads' parameters get gradients; the classifier's do not enter the energy: zero
        // gradient, checked by FD too
        check_gradient(str(TestType::kind, " parameters (backbone variant ", variant, ")"),
                       m.params.data, grads.data, loss);
    }
}

TEMPLATE_TEST_CASE("model classifier cross-entropy gradients through the backbone", "[nn][gradcheck]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    for (const auto& cfg : Fixture::gradcheck_configs()) {
        TestType m = small_model<TestType>(cfg);
        const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
        const std::vector<int> labels{2, 0, 1};
        const Host host{2};
        set_running_statistics(m);
        for (bool training : {true, false}) {
            typename TestType::Forward fw;
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
            const std::vector<double> no_energy(std::size_t(batch.n_graphs()) * std::size_t(m.config.n_heads), 0.0);
            m.backward(host, batch, fw, span_of(no_energy), &grads, nullptr, &dx);
            check_gradient(str(TestType::kind, " classifier (BatchNorm ", training ? "training" : "evaluation", ")"),
                           m.params.data, grads.data, loss);
        }
    }
}

TEMPLATE_TEST_CASE("model forces and virial against finite differences of the energy", "[nn][gradcheck]",
                   EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    for (const auto& cfg : Fixture::gradcheck_configs()) {
        const TestType m = small_model<TestType>(cfg);
        std::vector<Structure> s = model_test_structures();
        const Host host{2};
        typename TestType::Forward fw;
        EnergyForces<double> ef;
        m.energy_forces(host, make_graph_batch(s, m.config.cutoff), fw, ef);
        double fscale = 0;
        for (double f : ef.forces) fscale = std::max(fscale, std::abs(f));
        CHECK(fscale > 1e-3);  // rattled and random structures: a check of zero forces would prove nothing
        index_t a0 = 0;
        for (std::size_t g = 0; g < s.size(); ++g) {
            // forces: rebuild the list at every displaced position (pairs may cross the cutoff; the
            // cosine cutoff keeps the energy twice differentiable there)
            auto energy = [&] { return model_energies(m, {s[g]})[0]; };
            std::vector<double> minus_f;
            for (index_t k = 0; k < 3 * s[g].size(); ++k) minus_f.push_back(-ef.forces[3 * std::size_t(a0) + std::size_t(k)]);
            check_gradient(str(TestType::kind, " -forces of structure ", g), s[g].positions, minus_f, energy);
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
                return model_energies(m, {t})[0];
            };
            for (int c = 0; c < 9; ++c) minus_w[std::size_t(c)] = -ef.virial[9 * g + std::size_t(c)];
            check_gradient(str(TestType::kind, " -virial of structure ", g), eps, minus_w, strained);
        }
    }
}

TEMPLATE_TEST_CASE("model invariances: translation, rotation, permutation, periodic images", "[nn]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    for (const auto& cfg : Fixture::gradcheck_configs()) {
        const TestType m = small_model<TestType>(cfg);
        const Structure s = model_test_structures()[1];
        const double e0 = model_energies(m, {s})[0];
        // the same sums in another order: rounding of a few hundred terms
        const double tol = 1e3 * eipnn::test::eps<double>() * (1 + std::abs(e0));
        Structure t = s;
        for (index_t i = 0; i < t.size(); ++i) {
            t.positions[3 * i] += 1.7;
            t.positions[3 * i + 1] -= 0.3;
            t.positions[3 * i + 2] += 12.0;
        }
        CHECK(std::abs(model_energies(m, {t})[0] - e0) <= tol);
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
        CHECK(std::abs(model_energies(m, {r})[0] - e0) <= tol);
        // permutation of atoms (the Ge atom moves too)
        Structure p = s;
        const std::vector<int> perm{3, 0, 5, 1, 4, 2};
        for (int i = 0; i < 6; ++i) {
            for (int k = 0; k < 3; ++k) p.positions[3 * i + k] = s.positions[3 * perm[i] + k];
            p.numbers[i] = s.numbers[perm[i]];
        }
        CHECK(std::abs(model_energies(m, {p})[0] - e0) <= tol);
        // periodic images: wrapping an atom by lattice vectors, and a 2x1x1 supercell doubles E
        Structure w = s;
        for (int k = 0; k < 3; ++k) w.positions[3 * 2 + k] -= 2 * s.cell.lattice[1][k];
        CHECK(std::abs(model_energies(m, {w})[0] - e0) <= tol);
        Structure sc = s;
        sc.cell.lattice[0] = {2 * s.cell.lattice[0][0], 2 * s.cell.lattice[0][1], 2 * s.cell.lattice[0][2]};
        for (index_t i = 0; i < s.size(); ++i) {
            for (int k = 0; k < 3; ++k) sc.positions.push_back(s.positions[3 * i + k] + s.cell.lattice[0][k]);
            sc.numbers.push_back(s.numbers[std::size_t(i)]);
        }
        CHECK(std::abs(model_energies(m, {sc})[0] - 2 * e0) <= 2 * tol);
    }
}

TEMPLATE_TEST_CASE("model energies do not depend on the batch or the thread count", "[nn]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const TestType m = small_model<TestType>(Fixture::small_config());
    const std::vector<Structure> s = model_test_structures();
    Structure extra = eipnn::test::diamond(5.5, 2, 1, 1);
    eipnn::test::rattle(extra, 0.05, 9);
    const std::vector<double> alone = model_energies(m, {s[1]});
    const std::vector<double> batched = model_energies(m, {extra, s[0], s[1]});
    // the same sums in another order of graphs: equal up to rounding of a few hundred terms
    for (std::size_t k = 0; k < 2; ++k)
        CHECK(std::abs(batched[4 + k] - alone[k]) <= 1e3 * eipnn::test::eps<double>() * (1 + std::abs(alone[k])));
    // fixed blocking and ordered reductions: bit-identical for 1 and 2 threads
    const std::vector<double> one = model_energies(m, {extra, s[0], s[1]}, 1), two = model_energies(m, {extra, s[0], s[1]}, 2);
    CHECK(one == two);
}

TEMPLATE_TEST_CASE("model in float agrees with double to float tolerance", "[nn]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const TestType md = small_model<TestType>(Fixture::float_config(), 8);
    const auto mf = md.template cast<float>();
    static_assert(std::is_same_v<typename decltype(mf)::Scalar, float>, "cast<float> gives the float model");
    const GraphBatch batch = make_graph_batch(model_test_structures(), md.config.cutoff);
    typename TestType::Forward fd;
    typename decltype(mf)::Forward ff;
    EnergyForces<double> ed;
    EnergyForces<float> ef;
    md.energy_forces(Host{2}, batch, fd, ed);
    mf.energy_forces(Host{2}, batch, ff, ef);
    // float rounding compounds over the descriptor's or the filters' sums and ~10 layers: allow 1e3
    // float epsilons of the quantity's scale (1e-4 relative), far below any modelling difference
    const double tol = 1e3 * eipnn::test::eps<float>();
    double fscale = 0;
    for (double f : ed.forces) fscale = std::max(fscale, std::abs(f));
    for (std::size_t g = 0; g < ed.energies.size(); ++g)
        CHECK(std::abs(ef.energies[g] - ed.energies[g]) <= tol * (1 + std::abs(ed.energies[g])));
    for (std::size_t k = 0; k < ed.forces.size(); ++k) CHECK(std::abs(ef.forces[k] - ed.forces[k]) <= tol * (1 + fscale));
}

TEMPLATE_TEST_CASE("model rejects bad input with a clear error", "[nn]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const TestType m = small_model<TestType>(Fixture::small_config());
    Structure s = eipnn::test::diamond(5.43);
    s.numbers[0] = 6;
    typename TestType::Forward fw;
    CHECK_THROWS_WITH(m.forward(Host{1}, make_graph_batch({s}, m.config.cutoff), fw), Catch::Contains("atomic number 6"));
    CHECK_THROWS_WITH(m.forward(Host{1}, make_graph_batch({eipnn::test::diamond(5.43)}, 4.0), fw),
                      Catch::Contains("cutoff"));
    const GraphBatch batch = make_graph_batch({eipnn::test::diamond(5.43)}, m.config.cutoff);
    m.forward(Host{1}, batch, fw);
    const std::vector<double> too_few(1, 1.0);  // one graph, two heads: two values needed
    CHECK_THROWS_WITH(m.backward(Host{1}, batch, fw, span_of(too_few), nullptr, nullptr), Catch::Contains("dL_dE"));
    CHECK_THROWS_AS(TestType(Fixture::invalid_config()), Error);
    auto no_classifier = Fixture::small_config();
    no_classifier.n_classes = 0;
    TestType plain(no_classifier);
    plain.forward(Host{1}, batch, fw);
    ClassifierSaved<double> cs;
    CHECK_THROWS_WITH(plain.classifier_forward(Host{1}, batch, fw, false, cs),
                      Catch::Contains("no classifier"));
}

TEMPLATE_TEST_CASE("model checkpoint round trip is exact", "[nn][checkpoint]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    TestType m = small_model<TestType>(Fixture::small_config());
    set_running_statistics(m);
    Checkpoint c;
    store_model(m, c);
    CHECK(c.get_string("model.kind") == TestType::kind);
    const Checkpoint back = deserialize_checkpoint(serialize_checkpoint(c));
    const TestType loaded = model_from_checkpoint<TestType>(back, "mem");
    require_same_model(loaded, m);
    // into an existing model of the same kind and sizes (the trainer's resumption)
    TestType fresh(Fixture::small_config(), 77);
    load_model(back, fresh, "mem");
    require_same_model(fresh, m);
    // sizes that differ are an error naming the record
    auto bigger = Fixture::small_config();
    bigger.head_hidden += 1;
    TestType other(bigger);
    CHECK_THROWS_WITH(load_model(back, other, "mem"), Catch::Contains("model.parameters") && Catch::Contains("mem"));
}

TEMPLATE_TEST_CASE("model text weights round trip is exact", "[nn][weights]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    TestType m = small_model<TestType>(Fixture::small_config());
    set_running_statistics(m);
    const auto path = eipnn::test::scratch_dir(str("weights_roundtrip_", TestType::kind)) / "weights.txt";
    write_model_weights(m, path.string());
    // %.17g: every double comes back bit for bit
    require_same_model(read_model_weights<TestType>(path.string()), m);
    // without a classifier there are no BatchNorm records, and the file still reads
    auto plain_cfg = Fixture::small_config();
    plain_cfg.n_classes = 0;
    const TestType plain = small_model<TestType>(plain_cfg, 9);
    write_model_weights(plain, path.string());
    require_same_model(read_model_weights<TestType>(path.string()), plain);
    // float weights read back as float
    const auto mf = m.template cast<float>();
    write_model_weights(mf, path.string());
    const auto back = read_model_weights<typename TestType::template Rebind<float>>(path.string());
    CHECK(back.params.data == mf.params.data);
}

TEMPLATE_TEST_CASE("model transfer_backbone copies the backbone and the fixed inputs only", "[nn][strategies]",
                   EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    auto pre_cfg = Fixture::small_config();
    pre_cfg.n_heads = 3;  // pretrained on three EIPs
    TestType from(pre_cfg, 1);
    prepare_model_inputs(from, eipnn::test::prepared_set(model_test_structures(), pre_cfg.cutoff), Host{2});
    auto fine = Fixture::small_config();
    fine.n_heads = 1;
    TestType to(fine, 2);
    const TestType fresh = to;
    transfer_backbone(from, to);
    std::size_t backbone = 0, heads = 0;
    for (const ParameterEntry& e : to.layout.entries()) {
        const bool bb = Fixture::backbone_parameter(e.name);
        (bb ? backbone : heads) += 1;
        const MatrixView<const double> got = std::as_const(to.params).at(e);
        const MatrixView<const double> want = bb ? std::as_const(from).params.view(e.name) : fresh.params.view(e.name);
        for (index_t k = 0; k < e.size(); ++k) REQUIRE(got.data[k] == want.data[k]);
    }
    CHECK(backbone > 0);
    CHECK(heads > 0);
    std::vector<std::vector<double>> ft, ff;
    to.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { ft.push_back(v); });
    from.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { ff.push_back(v); });
    CHECK(ft == ff);
    TestType mismatched(Fixture::other_backbone(fine), 3);
    CHECK_THROWS_WITH(transfer_backbone(from, mismatched), Catch::Contains("backbone differs"));
}

// ---- model-specific ------------------------------------------------------------------------

TEST_CASE("SchNet backward() is backward_pairs() spread onto each pair's first edge", "[nn][gradcheck]") {
    const SchNet<double> m = small_model<SchNet<double>>(eipnn::test::ModelFixture<SchNet<double>>::small_config());
    const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
    const Host host{2};
    SchNetForward<double> fw;
    m.forward(host, batch, fw);
    const std::vector<double> dL_dE{0.3, -1.1, 0.7, 0.2, -0.4, 1.5};
    ParameterBuffer<double> g_pairs(m.layout), g_edges(m.layout);
    std::vector<double> dL_dr, dL_dvec;
    m.backward_pairs(host, batch, fw, span_of(dL_dE), &g_pairs, &dL_dr);
    m.backward(host, batch, fw, span_of(dL_dE), &g_edges, &dL_dvec);
    CHECK(g_pairs.data == g_edges.data);
    REQUIRE(dL_dr.size() == std::size_t(batch.n_pairs()));
    REQUIRE(dL_dvec.size() == 3 * std::size_t(batch.n_edges()));
    // dL/dvec_e = dL/dr * vec_e / |vec_e| on the pair's first edge e, zero on its reverse
    std::vector<double> want(dL_dvec.size(), 0.0);
    double largest = 0;
    for (index_t p = 0; p < batch.n_pairs(); ++p) {
        const index_t e = batch.pair_edge[std::size_t(p)];
        const double* v = &batch.vectors[3 * std::size_t(e)];
        const double r = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for (int k = 0; k < 3; ++k) want[3 * std::size_t(e) + k] = dL_dr[std::size_t(p)] * v[k] / r;
        largest = std::max(largest, std::abs(dL_dr[std::size_t(p)]));
    }
    REQUIRE(largest > 0);
    // one product and one division per entry: a few double epsilons of the largest value
    for (std::size_t k = 0; k < want.size(); ++k) CHECK(std::abs(dL_dvec[k] - want[k]) <= 4 * eipnn::test::eps<double>() * largest);
}

TEST_CASE("SchNet energy_forces (filter derivatives from the forward) equals forward + reverse backward",
          "[nn][gradcheck]") {
    for (const SchNetConfig& cfg : eipnn::test::ModelFixture<SchNet<double>>::gradcheck_configs()) {
        const SchNet<double> m = small_model<SchNet<double>>(cfg);
        const GraphBatch batch = make_graph_batch(model_test_structures(), m.config.cutoff);
        const Host host{2};
        SchNetForward<double> fw_forces, fw_plain;
        EnergyForces<double> ef, want;
        m.energy_forces(host, batch, fw_forces, ef);
        REQUIRE(fw_forces.blocks.front().conv.filter_dr_kept);
        // the reverse path: the plain forward, then the backward through the filter networks
        m.forward(host, batch, fw_plain);
        REQUIRE_FALSE(fw_plain.blocks.front().conv.filter_dr_kept);
        const std::vector<double> seed = head0_seed(batch.n_graphs(), m.config.n_heads);
        std::vector<double> dE_dvec;
        m.backward(host, batch, fw_plain, span_of(seed), nullptr, &dE_dvec);
        forces_from_edge_gradients(host, batch, dE_dvec, want);
        for (index_t g = 0; g < batch.n_graphs(); ++g)
            CHECK(ef.energies[std::size_t(g)] == fw_plain.energies[std::size_t(g * m.config.n_heads)]);
        double largest = 0;
        for (double f : want.forces) largest = std::max(largest, std::abs(f));
        REQUIRE(largest > 1e-3);
        // the same derivative summed in another order (forward against reverse mode through the
        // filter network: sums over F and over the window): a few eps per term, F terms
        const double tol = 4 * double(cfg.n_features) * eipnn::test::eps<double>() * largest;
        REQUIRE(ef.forces.size() == want.forces.size());
        for (std::size_t k = 0; k < want.forces.size(); ++k) CHECK(std::abs(ef.forces[k] - want.forces[k]) <= tol);
        for (std::size_t k = 0; k < want.virial.size(); ++k)
            CHECK(std::abs(ef.virial[k] - want.virial[k]) <= tol * std::max(1.0, std::abs(want.virial[k]) / largest));
        // parameter gradients after that forward: the reverse tiles, as after the plain forward
        ParameterBuffer<double> g_forces(m.layout), g_plain(m.layout);
        m.backward(host, batch, fw_forces, span_of(seed), &g_forces, nullptr);
        m.backward(host, batch, fw_plain, span_of(seed), &g_plain, nullptr);
        CHECK(g_forces.data == g_plain.data);
    }
}

TEST_CASE("SOAPNet input standardisation from the training set", "[nn]") {
    const SoapNetConfig cfg = eipnn::test::ModelFixture<SoapNet<double>>::small_config();
    SoapNet<double> m(cfg, 3);
    const std::vector<Structure> s = model_test_structures();
    prepare_model_inputs(m, eipnn::test::prepared_set(s, cfg.cutoff), Host{2});
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
        CHECK(m.input_inv_std[std::size_t(c)] > 0);
    }
    CHECK(unit > D / 2);
    // the floor: no feature amplified beyond 1/kSoapStdFloor of the widest one's scaling
    double smallest = 1e300;
    for (double v : m.input_inv_std) smallest = std::min(smallest, v);
    for (double v : m.input_inv_std) CHECK(v <= smallest / kSoapStdFloor * (1 + 1e-12));
    // SchNet has no fixed inputs: prepare_model_inputs leaves it as it was
    SchNet<double> sn;
    const std::vector<double> before = sn.params.data;
    prepare_model_inputs(sn, eipnn::test::prepared_set(s, sn.config.cutoff), Host{1});
    CHECK(sn.params.data == before);
}

TEST_CASE("SOAPNet forward_descriptors: same energies bit for bit, no position gradients", "[nn]") {
    const SoapNet<double> m = small_model<SoapNet<double>>(eipnn::test::ModelFixture<SoapNet<double>>::small_config());
    Structure extra = eipnn::test::diamond(5.5, 2, 1, 1);
    eipnn::test::rattle(extra, 0.05, 9);
    const std::vector<Structure> s = model_test_structures();
    const GraphBatch batch = make_graph_batch({extra, s[0], s[1]}, m.config.cutoff);
    // the network part from fixed descriptors: fixed GEMM blocking and ordered sums, bit-identical
    SoapNetForward<double> f1, f2;
    m.forward(Host{1}, batch, f1);
    m.forward_descriptors(Host{1}, batch, f1.P, f2);
    CHECK(f1.energies == f2.energies);
    m.forward_descriptors(Host{2}, batch, f1.P, f2);
    CHECK(f1.energies == f2.energies);
    // position gradients need the SOAP state
    std::vector<double> dvec;
    const std::vector<double> seed(std::size_t(batch.n_graphs() * m.config.n_heads), 1.0);
    CHECK_THROWS_WITH(m.backward(Host{1}, batch, f2, span_of(seed), nullptr, &dvec), Catch::Contains("SOAP state"));
    CHECK_THROWS_WITH(m.forward_descriptors(Host{1}, batch, std::vector<double>(3), f2), Catch::Contains("descriptors have 3"));
}
