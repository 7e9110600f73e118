// Training on forces and stresses (train/force_loss.hpp, train/force_training.hpp), for every
// model kind: the whole loss's parameter gradient against central finite differences of the loss
// (energy, force and stress terms; the cotangent of nn/second_order.hpp and sigma = -W/V
// included), the trainer's energy-only path untouched by zero force weights, and force training
// that learns forces: on Morse-labelled Mo, the validation force error after training on forces
// is well below that of the same budget on energies only; and the trainer with a gradient
// backend (train/gradient_backend.hpp) on GenericHost, the device's code path on the CPU, trains
// as on the host, on energies and on forces.
#include <catch2/catch.hpp>

#include "eipnn/nn/models.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/force_training.hpp"
#include "eipnn/train/strategies/pipeline.hpp"
#include "eipnn/train/gradient_backend.hpp"
#include "gradcheck/nn_fd_support.hpp"
#include "support/backend_checks.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;
using eipnn::test::small_model;

#define EIPNN_MODELS SchNet<double>, SoapNet<double>

TEMPLATE_TEST_CASE("energy, force and stress loss gradient against finite differences", "[train][gradcheck]",
                   EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    TestType m = small_model<TestType>(Fixture::small_config());
    const Dataset data = eipnn::test::morse_dataset(4, 3);
    // Morse labels on Si/Ge-species copies of the Mo cells: labels and model need not match
    Dataset d = data;
    for (Sample& s : d.samples)
        for (int& z : s.structure.numbers) z = 14;
    d.samples[1].structure.numbers[0] = 32;
    const PreparedSet set = prepare(d, m.config.cutoff);
    const std::vector<std::size_t> items{0, 1, 2, 3};
    const GraphBatch batch = set.batch(items);
    const BatchLabels labels = batch_labels(set, items, true, true);
    const LossWeights w{1.0, 0.7, 3e3};
    const Host host{2};
    EnergyForceStep<TestType> step;
    ParameterBuffer<double> grads(m.layout);
    const LossTerms terms = step(host, m, batch, labels, w, grads);
    REQUIRE(terms.energy > 0);
    REQUIRE(terms.forces > 0);
    REQUIRE(terms.stress > 0);
    auto loss = [&] {
        typename TestType::Forward fw;
        EnergyForces<double> ef;
        m.energy_forces(host, batch, fw, ef);
        std::vector<double> dE, dF, dW;
        return energy_force_loss(batch, ef, labels, w, m.config.n_heads, dE, dF, dW).total();
    };
    REQUIRE(loss() == Approx(terms.total()).epsilon(1e-14));
    eipnn::test::check_gradient(str(TestType::kind, " energy+force+stress loss"), m.params.data, grads.data, loss);
}

TEMPLATE_TEST_CASE("weak EIP force labels under the Tukey loss: parameter gradient against finite differences",
                   "[train][gradcheck]", EIPNN_MODELS) {
    // Items 2 and 3 are weak: no DFT labels, their `forces` an EIP's (here the Morse forces
    // scaled and shifted, so the residuals are neither zero nor all alike). The trainer holds the
    // Tukey scale (1.4826 MAD of the batch's weak residuals) constant in the gradient, as for weak
    // energies; the finite differences therefore run over the loss with the scale frozen at its
    // value for the unperturbed weights.
    using Fixture = eipnn::test::ModelFixture<TestType>;
    TestType m = small_model<TestType>(Fixture::small_config());
    Dataset d = eipnn::test::morse_dataset(4, 5);
    for (Sample& s : d.samples)
        for (int& z : s.structure.numbers) z = 14;
    for (std::size_t i : {2, 3})
        for (std::size_t k = 0; k < d.samples[i].forces.size(); ++k)
            d.samples[i].forces[k] = 1.3 * d.samples[i].forces[k] + 0.05 * double(k % 7) - 0.1;
    const PreparedSet set = prepare(d, m.config.cutoff);
    const std::vector<std::size_t> items{0, 1, 2, 3};
    const std::vector<char> weak{0, 0, 1, 1};
    const GraphBatch batch = set.batch(items);
    const BatchLabels labels = batch_labels(set, items, true, false, &weak);
    REQUIRE(labels.weak_forces == std::vector<char>{0, 0, 1, 1});
    const LossWeights w{1.0, 0.7, 0.0, 0.5};
    LossWeights dft_only = w;
    dft_only.weak_forces = 0;
    const Host host{2};
    EnergyForceStep<TestType> step;
    ParameterBuffer<double> grads(m.layout);
    const LossTerms terms = step(host, m, batch, labels, w, grads);

    std::vector<std::size_t> weak_components;
    for (index_t g = 2; g < 4; ++g)
        for (index_t k = 3 * batch.atom_offsets[std::size_t(g)]; k < 3 * batch.atom_offsets[std::size_t(g) + 1]; ++k)
            weak_components.push_back(std::size_t(k));
    auto weak_residuals = [&](const EnergyForces<double>& ef, std::vector<double>& pred, std::vector<double>& label) {
        pred.clear();
        label.clear();
        for (std::size_t k : weak_components) {
            pred.push_back(ef.forces[k]);
            label.push_back(labels.forces[k]);
        }
    };
    auto predict = [&] {
        typename TestType::Forward fw;
        EnergyForces<double> ef;
        m.energy_forces(host, batch, fw, ef);
        return ef;
    };
    std::vector<double> pred, label, unused;
    weak_residuals(predict(), pred, label);
    const double frozen_scale = tukey_scale(pred, label);
    auto loss = [&] {
        const EnergyForces<double> ef = predict();
        std::vector<double> dE, dF, dW;
        const double dft = energy_force_loss(batch, ef, labels, dft_only, m.config.n_heads, dE, dF, dW).total();
        weak_residuals(ef, pred, label);
        return dft + w.weak_forces * tukey_loss(pred, label, frozen_scale, unused);
    };
    const double weak_term = loss() - [&] {
        std::vector<double> dE, dF, dW;
        return energy_force_loss(batch, predict(), labels, dft_only, m.config.n_heads, dE, dF, dW).total();
    }();
    REQUIRE(weak_term > 0);  // the weak forces count ...
    REQUIRE(loss() == Approx(terms.total()).epsilon(1e-14));  // ... exactly as the step counted them
    eipnn::test::check_gradient(str(TestType::kind, " loss with weak EIP forces"), m.params.data, grads.data, loss);
}

TEMPLATE_TEST_CASE("zero force and stress weights keep energy-only training bit for bit", "[train]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const PreparedSet train = prepare(eipnn::test::morse_dataset(12, 1), Fixture::mo_config().cutoff);
    const PreparedSet valid = prepare(eipnn::test::morse_dataset(4, 2), Fixture::mo_config().cutoff);
    std::vector<std::vector<double>> weights;
    for (int variant = 0; variant < 2; ++variant) {
        auto m = eipnn::test::ModelFixture<TestType>::mo_config();
        TestType model(m, 3);
        eipnn::test::normalize_on(model, train);
        prepare_model_inputs(model, train, Host{1});
        TrainOptions o = eipnn::test::small_train_options(str("zero_force_weight_", TestType::kind, variant), 2);
        if (variant == 1) o.loss = {1.0, 0.0, 0.0};
        ModelTrainer<TestType>(model, train, valid, o).run();
        weights.push_back(model.params.data);
    }
    CHECK(weights[0] == weights[1]);
}

TEMPLATE_TEST_CASE("training on forces learns the forces", "[train]", EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const double cutoff = Fixture::mo_config().cutoff;
    const PreparedSet train = prepare(eipnn::test::morse_dataset(24, 5), cutoff);
    const PreparedSet valid = prepare(eipnn::test::morse_dataset(8, 6), cutoff);
    std::vector<double> force_mae;
    for (bool on_forces : {false, true}) {
        TestType model(Fixture::mo_config(), 3);
        eipnn::test::normalize_on(model, train);
        prepare_model_inputs(model, train, Host{1});
        TrainOptions o = eipnn::test::small_train_options(str("learns_forces_", TestType::kind, on_forces), 40);
        if (on_forces) o.loss = {1.0, 1.0, 0.0};
        const TrainResult r = ModelTrainer<TestType>(model, train, valid, o).run();
        if (on_forces) {
            REQUIRE(r.log.back().valid_force_mae_eV_per_A > 0);
            CHECK(r.log.back().train_terms.forces < r.log.front().train_terms.forces);
        }
        const EnergyForceMetrics mt = energy_force_metrics(predict_energy_forces(model, valid, Host{1}), valid);
        force_mae.push_back(mt.force_mae_eV_per_A);
    }
    INFO("validation force MAE (eV/Å): energy-only " << force_mae[0] << ", with forces " << force_mae[1]);
    CHECK(force_mae[1] < 0.6 * force_mae[0]);
}

TEMPLATE_TEST_CASE("a gradient backend trains as the host does, on energies and on forces", "[train][backend]",
                   EIPNN_MODELS) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const double cutoff = Fixture::mo_config().cutoff;
    const PreparedSet train = prepare(eipnn::test::morse_dataset(10, 7), cutoff);
    const PreparedSet valid = prepare(eipnn::test::morse_dataset(4, 8), cutoff);
    const double eps = std::numeric_limits<double>::epsilon();
    // energies; energies and forces; and forces with a loss of the caller's on the energies (as
    // strategy 1 adds its weak labels' term)
    for (int variant = 0; variant < 3; ++variant) {
        const LossWeights w = variant == 0 ? LossWeights{1.0, 0.0, 0.0} : LossWeights{1.0, 1.0, 0.0};
        const BatchLoss own_loss = [](const std::vector<std::size_t>& items, const std::vector<double>& e,
                                      std::vector<double>& d) {
            d.assign(e.size(), 0.0);
            double v = 0;
            for (std::size_t g = 0; g < items.size(); ++g) {
                const double r = e[g] / 100.0 + 4.0;  // per-configuration energies near -400 eV
                v += r * r;
                d[g] = 2.0 * r / 100.0;
            }
            return v;
        };
        std::vector<TrainResult> results;
        std::vector<std::vector<double>> weights;
        for (bool on_backend : {false, true}) {
            TestType model(Fixture::mo_config(), 3);
            eipnn::test::normalize_on(model, train);
            prepare_model_inputs(model, train, Host{1});
            TrainOptions o = eipnn::test::small_train_options(
                str("gradient_backend_", TestType::kind, variant, on_backend), 2);
            o.loss = w;
            ModelTrainer<TestType> trainer(model, train, valid, o, variant == 2 ? own_loss : BatchLoss{});
            if (on_backend) trainer.gradients = std::make_shared<BackendGradients<TestType, GenericHost>>(GenericHost{});
            results.push_back(trainer.run());
            weights.push_back(model.params.data);
        }
        INFO("variant " << variant);
        REQUIRE(results[0].log.size() == results[1].log.size());
        for (std::size_t e = 0; e < results[0].log.size(); ++e) {
            const EpochRecord &h = results[0].log[e], &g = results[1].log[e];
            eipnn::test::compare_to_host("training loss", std::vector<double>{h.train_loss}, std::vector<double>{g.train_loss},
                                         eps);
            eipnn::test::compare_to_host("validation metric", std::vector<double>{h.valid_metric},
                                         std::vector<double>{g.valid_metric}, eps);
            eipnn::test::compare_to_host("validation force MAE", std::vector<double>{h.valid_force_mae_eV_per_A},
                                         std::vector<double>{g.valid_force_mae_eV_per_A}, eps);
        }
        eipnn::test::compare_to_host("weights after training", weights[0], weights[1], eps);
    }
}

TEST_CASE("a gradient backend refuses a custom batch step", "[train][backend]") {
    using Model = SchNet<double>;
    const double cutoff = eipnn::test::ModelFixture<Model>::mo_config().cutoff;
    const PreparedSet train = prepare(eipnn::test::morse_dataset(4, 7), cutoff);
    Model model(eipnn::test::ModelFixture<Model>::mo_config(), 3);
    ModelTrainer<Model> trainer(model, train, train, eipnn::test::small_train_options("gradient_backend_refusal", 1));
    trainer.gradients = std::make_shared<BackendGradients<Model, GenericHost>>(GenericHost{});
    trainer.batch_step = [](const Host&, Model&, const GraphBatch&, const std::vector<std::size_t>&,
                            ParameterBuffer<double>&) { return 0.0; };
    REQUIRE_THROWS_WITH(trainer.run(), Catch::Contains("custom batch step"));
}

TEST_CASE("force training refuses data without force labels before it starts", "[train]") {
    const auto cfg = eipnn::test::ModelFixture<SchNet<double>>::mo_config();
    Dataset d = eipnn::test::morse_dataset(6, 1);
    d.samples[2].forces.clear();
    const PreparedSet train = prepare(d, cfg.cutoff);
    const PreparedSet valid = prepare(eipnn::test::morse_dataset(3, 2), cfg.cutoff);
    SchNet<double> model(cfg, 3);
    TrainOptions o = eipnn::test::small_train_options("no_force_labels", 1);
    o.loss = {1.0, 1.0, 0.0};
    const std::string msg = eipnn::test::thrown_message([&] { ModelTrainer<SchNet<double>>(model, train, valid, o).run(); });
    CHECK_THAT(msg, Catch::Contains("morse sample 2"));
    CHECK_FALSE(std::filesystem::exists(o.out));
}

TEST_CASE("the paper's pipeline trains on DFT forces with weak energy labels, and optionally weak EIP forces",
          "[train][strategies]") {
    // DFT: Morse (low) energies and forces; EIPs: Morse low (the DFT's own, so the classifier
    // learns to pick it and the pool gets weak labels) and medium
    using Fixture = eipnn::test::ModelFixture<SchNet<double>>;
    const double cutoff = Fixture::mo_config().cutoff;
    const Host host{1};
    const Dataset train_data = eipnn::test::morse_dataset(16, 11), valid_data = eipnn::test::morse_dataset(6, 12),
                  test_data = eipnn::test::morse_dataset(6, 13);
    std::vector<NamedPotential> eips;
    for (const char* level : {"GirifalcoWeizer_Mo_low", "GirifalcoWeizer_Mo_medium"})
        eips.push_back({level, std::make_shared<MorsePotential>(MorsePotential::named(level))});
    auto labelled = [&](const Dataset& d) {
        LabelledSplit s;
        s.set = prepare(d, cutoff, host);
        s.eip = label_with_eips(eips, s.set.structures, host);
        return s;
    };
    const LabelledSplit train = labelled(train_data), valid = labelled(valid_data);
    const PreparedSet test = prepare(test_data, cutoff, host);
    const PreparedSet pool = prepare(eipnn::test::morse_dataset(12, 14), cutoff, host);
    const EipEnergies pool_eip = label_with_eips(eips, pool.structures, host, nullptr, true);
    // the EIPs' forces, as each EIP computes them
    REQUIRE(pool_eip.forces.size() == pool.size() * eips.size());
    for (std::size_t u : {std::size_t(0), pool.size() - 1}) {
        const EipResult<double> r = eips[1].potential->compute(pool.structures[u], host);
        CHECK(pool_eip.forces[u * eips.size() + 1] == std::vector<double>(r.forces.begin(), r.forces.end()));
    }
    PipelineConfigT<SchNetConfig> c;
    c.model = Fixture::mo_config();
    c.epochs = 3;
    c.classifier_epochs = 20;  // enough to learn that every configuration is class 0
    c.pretrain_epochs = 2;
    c.batch_size = 8;
    c.alphas = {1.0};
    c.threads = 1;
    c.dft_loss = {1.0, 1.0, 0.0};
    std::vector<PipelineReport> reports;
    for (bool weak_forces : {false, true}) {
        c.weak_forces = weak_forces;
        PipelineT<SchNet> p(c, eipnn::test::scratch_dir(weak_forces ? "pipeline_weak_forces" : "pipeline_forces"));
        reports.push_back(p.run(train, valid, test, pool, pool_eip));
        const PipelineReport& rep = reports.back();
        REQUIRE(rep.results.size() == 4);
        REQUIRE(rep.n_weak > 0);
        for (const MethodResult& r : rep.results) {
            INFO(r.method << (weak_forces ? " with weak forces" : ""));
            CHECK(r.test_force_mae_eV_per_A > 0);
            CHECK(std::isfinite(r.test_mae_meV_per_atom));
        }
    }
    // weak forces change what uses weak labels (weak, both) and nothing else
    for (std::size_t k : {0, 2}) {
        CHECK(reports[1].results[k].test_mae_meV_per_atom == reports[0].results[k].test_mae_meV_per_atom);
        CHECK(reports[1].results[k].test_force_mae_eV_per_A == reports[0].results[k].test_force_mae_eV_per_A);
    }
    for (std::size_t k : {1, 3}) CHECK(reports[1].results[k].test_force_mae_eV_per_A != reports[0].results[k].test_force_mae_eV_per_A);
}
