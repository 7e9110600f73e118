// The pieces of METHOD.md's strategies: EIP alignment and masking, class labels on hand-made
// cases, the weak-label and multi-head losses against finite differences, and a classifier that
// learns to tell crystal structures apart. (Backbone transfer, for every model kind:
// gradcheck/test_models.cpp.)
#include <catch2/catch.hpp>

#include "eipnn/train/strategies/eip_alignment.hpp"
#include "eipnn/train/strategies/objectives.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;

namespace {
EipEnergies two_eips() {
    // 4 configurations of 10, 20, 10, 40 atoms; EIP "a" is DFT - 5 eV/atom +- 0.01; EIP "b" is
    // DFT - 3 eV/atom except config 2 where it is invalid (1e4 eV/atom) and config 3 off by +0.5.
    EipEnergies e;
    e.names = {"a", "b"};
    e.n_atoms = {10, 20, 10, 40};
    const double dft[4] = {-50, -100, -48, -210};
    const double da[4] = {0.01, -0.01, 0.01, -0.01};
    for (int c = 0; c < 4; ++c) {
        e.energies.push_back(dft[c] + (5.0 + da[c]) * e.n_atoms[c]);
        e.energies.push_back(c == 2 ? 1e4 * e.n_atoms[c] : dft[c] + (3.0 + (c == 3 ? 0.5 : 0.0)) * e.n_atoms[c]);
    }
    return e;
}
const std::vector<double> kDft = {-50, -100, -48, -210};
}  // namespace

TEST_CASE("alignment: shifts per estimator, invalid energies masked", "[strategies]") {
    const EipEnergies e = two_eips();
    REQUIRE_FALSE(e.valid(2, 1));
    REQUIRE(e.valid(2, 0));
    const auto mean = fit_eip_shifts(e, kDft, ShiftEstimator::mean);
    const auto median = fit_eip_shifts(e, kDft, ShiftEstimator::median);
    REQUIRE(mean[0] == Approx(-5.0).margin(1e-12));       // +-0.01 cancel
    REQUIRE(median[0] == Approx(-5.0).margin(1e-12));
    REQUIRE(mean[1] == Approx(-(3.0 + 3.0 + 3.5) / 3).margin(1e-12));  // invalid config 2 excluded
    REQUIRE(median[1] == Approx(-3.0).margin(1e-12));     // robust to the outlier
    const EipEnergies aligned = apply_eip_shifts(e, median);
    REQUIRE(aligned.at(0, 1) == Approx(kDft[0]).margin(1e-9));
    REQUIRE_FALSE(aligned.valid(2, 1));                   // stays masked
}

TEST_CASE("class labels: nearest valid EIP within tau, else K", "[strategies]") {
    EipEnergies e;
    e.names = {"a", "b"};
    e.n_atoms = {10, 10, 10, 10};
    //            config 0: a exact      1: b closer     2: both > 0.1 eV/atom   3: a invalid, b within
    e.energies = {-50.0, -49.0,          -45.0, -49.5,   -48.0, -52.0,           1e9, -50.9};
    const std::vector<double> dft = {-50, -50, -50, -50};
    const auto y = eip_class_labels(e, dft);
    REQUIRE(y == std::vector<int>{0, 1, 2, 1});
    REQUIRE(class_histogram(y, 3) == std::vector<int>{1, 2, 1});
}

TEST_CASE("weak-label and multi-head losses: gradients match finite differences", "[strategies][gradcheck]") {
    // the losses read the model's head count and scales only
    SchNet<double> model(test::ModelFixture<SchNet<double>>::small_config());
    REQUIRE(model.config.n_heads == 2);
    model.head_scale = {0.3, 0.7};
    PreparedSet train;
    train.energies = {-10, -12, -9, -30, -31, -8};
    const std::vector<char> weak = {0, 0, 1, 1, 1, 1};
    const std::vector<std::size_t> items = {0, 2, 3, 5, 1};
    std::vector<double> pred = {-10.5, 0, -8.2, 0, -29.0, 0, -9.9, 0, -12.4, 0};  // (G, K), head 0 used
    const BatchLoss weak_loss = weak_label_loss(model, train, weak, 0.5);
    const std::vector<double> labels = {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12};
    const std::vector<char> valid = {1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1};
    const BatchLoss heads = multihead_mse_loss(model, labels, valid);
    std::vector<double> pred2 = {-1.2, -2.1, -3.3, -4.4, -5.5, -6.6, -7.7, -8.8, -9.9, -10.1};
    for (auto* pair : {&weak_loss, &heads}) {
        std::vector<double>& p = pair == &weak_loss ? pred : pred2;
        std::vector<double> grad, scratch;
        const double l0 = (*pair)(items, p, grad);
        // h = 1e-6 eV: the losses are piecewise polynomials of the predictions (the Tukey MAD
        // scale is a constant of the batch, recomputed identically on both sides unless the
        // median item changes, which it does not for a step this small); truncation ~1e-12,
        // round-off ~ eps·|L|/h.
        const double h = 1e-6, tol = 1e-9 + 10 * test::eps<double>() * std::abs(l0) / h;
        // The method holds the batch's MAD constant in the gradient; a difference quotient of the
        // whole loss does not when the perturbed item is the median residual itself (item 3 of
        // the weak ones here), so that component is checked with the scale frozen in
        // test_losses_fd.cpp instead.
        const std::size_t median_component = 2 * 2;  // batch position 2 (item 3), head 0
        for (std::size_t k = 0; k < p.size(); ++k) {
            if (pair == &weak_loss && k == median_component) continue;
            auto up = p, down = p;
            up[k] += h;
            down[k] -= h;
            const double fd = ((*pair)(items, up, scratch) - (*pair)(items, down, scratch)) / (2 * h);
            INFO("component " << k);
            REQUIRE(std::abs(fd - grad[k]) <= tol);
        }
    }
}

TEST_CASE("the auxiliary classifier learns to tell bcc from fcc", "[strategies][train]") {
    Dataset d;
    std::vector<int> labels;
    std::size_t k = 0;
    for (const PoolItem& item : test::mo_pool_items(48, PoolConfig{}.seed)) {
        Sample s;
        s.structure = item.structure;
        s.source = str("pool ", k++);
        d.samples.push_back(s);
        labels.push_back(item.prototype == "bcc" ? 0 : 1);
    }
    SchNetConfig c = test::ModelFixture<SchNet<double>>::mo_config();
    c.n_classes = 2;
    c.classifier_hidden = 8;
    const auto split = random_split(d.size(), {0.75, 0.25}, 1);
    const PreparedSet train = prepare(d.subset(split[0]), c.cutoff), valid = prepare(d.subset(split[1]), c.cutoff);
    std::vector<int> train_labels, valid_labels;
    for (std::size_t i : split[0]) train_labels.push_back(labels[i]);
    for (std::size_t i : split[1]) valid_labels.push_back(labels[i]);
    SchNet<double> model(c, 3);
    const TrainOptions o = test::small_train_options("classifier", 60, 3e-3);
    ModelTrainer<SchNet<double>> t(model, train, valid, o);
    t.batch_step = classifier_step<SchNet<double>>(train_labels);
    t.validator = classifier_error_rate<SchNet<double>>(valid, valid_labels, 8);
    const double before = t.validator(Host{1}, model);
    const TrainResult r = t.run();
    const double train_error = classifier_error_rate<SchNet<double>>(train, train_labels, 8)(Host{1}, model);
    INFO("validation error rate before " << before << ", best " << r.best_valid_metric << "; final training error "
                                         << train_error);
    CHECK(train_error <= 0.1);
    REQUIRE(r.best_valid_metric <= 0.1);
    REQUIRE(r.log.back().train_loss < r.log.front().train_loss);
}
