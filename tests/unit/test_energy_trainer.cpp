// The energy trainer on a small SchNet and Morse-labelled Mo configurations: training lowers the
// validation error; runs are bit-for-bit reproducible; a resumed run equals an uninterrupted one;
// a NaN loss stops the run with epoch and batch and leaves the last checkpoint intact.
#include <catch2/catch.hpp>

#include "eipnn/train/energy_trainer.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;

namespace {

using Model = SchNet<double>;

struct Fixture {
    PreparedSet train, valid;
    Fixture() {
        const double cutoff = test::ModelFixture<Model>::mo_config().cutoff;
        train = prepare(test::morse_dataset(24, 1), cutoff);
        valid = prepare(test::morse_dataset(8, 2), cutoff);
    }
    Model model() const {
        Model m(test::ModelFixture<Model>::mo_config(), 7);
        test::normalize_on(m, train);
        return m;
    }
    TrainOptions options(const std::string& name, int epochs) const { return test::small_train_options(name, epochs); }
};

}  // namespace

TEST_CASE("training lowers the validation energy error", "[train]") {
    Fixture fx;
    Model m = fx.model();
    const double before = energy_metrics(predict_energies(m, fx.valid, Host{1}), fx.valid).mae_meV_per_atom;
    const TrainOptions opt = fx.options("trainer_learns", 15);
    ModelTrainer<Model> trainer(m, fx.train, fx.valid, opt);
    const TrainResult r = trainer.run();
    INFO("valid MAE before " << before << " meV/atom, best " << r.best_valid_metric);
    REQUIRE(r.log.size() == 15);
    REQUIRE(r.best_valid_metric < 0.5 * before);
    REQUIRE(r.log.back().train_loss < r.log.front().train_loss);
    // the best checkpoint reproduces the best epoch's validation error
    const Model best = model_from_checkpoint<Model>(read_checkpoint(opt.out), "best");
    REQUIRE(energy_metrics(predict_energies(best, fx.valid, Host{1}), fx.valid).mae_meV_per_atom ==
            Approx(r.best_valid_metric).epsilon(1e-12));
    REQUIRE(std::filesystem::exists(trainer.csv_path()));
}

// (Two cases, not one named "...; ...": catch_discover_tests splits a name at ';', and the
// ctest entries of the halves matched no test case, so neither ran.)
TEST_CASE("same seed and threads give the same weights bit for bit", "[train]") {
    Fixture fx;
    Model a = fx.model();
    ModelTrainer<Model>(a, fx.train, fx.valid, fx.options("trainer_det_a", 4)).run();
    Model b = fx.model();
    ModelTrainer<Model>(b, fx.train, fx.valid, fx.options("trainer_det_b", 4)).run();
    REQUIRE(a.params.data == b.params.data);
    REQUIRE(a.params.data != fx.model().params.data);  // it trained
}

TEST_CASE("a resumed run continues exactly as an uninterrupted one", "[train]") {
    Fixture fx;
    Model a = fx.model();
    ModelTrainer<Model>(a, fx.train, fx.valid, fx.options("trainer_resume_whole", 4)).run();
    // 2 epochs, stop, resume to 4 (a fresh model object, as a new process would have)
    Model c = fx.model();
    TrainOptions first = fx.options("trainer_resume", 2);
    ModelTrainer<Model>(c, fx.train, fx.valid, first).run();
    REQUIRE(c.params.data != a.params.data);
    Model d = fx.model();
    TrainOptions rest = first;
    rest.epochs = 4;
    rest.resume = true;
    const TrainResult r = ModelTrainer<Model>(d, fx.train, fx.valid, rest).run();
    REQUIRE(r.log.size() == 4);
    REQUIRE(d.params.data == a.params.data);
}

TEST_CASE("a NaN loss stops with epoch and batch, and the last checkpoint survives", "[train][errors]") {
    Fixture fx;
    Model m = fx.model();
    const TrainOptions o = fx.options("trainer_nan", 3);
    int calls = 0;
    const std::size_t batches_per_epoch = 3;  // 24 samples, batches of 8
    BatchLoss base = energy_mse_loss(m, fx.train);
    BatchLoss poisoned = [&](const std::vector<std::size_t>& items, const std::vector<double>& pred, std::vector<double>& g) {
        const double l = base(items, pred, g);
        return ++calls == int(batches_per_epoch) + 2 ? std::nan("") : l;  // epoch 2, batch 2
    };
    ModelTrainer<Model> t(m, fx.train, fx.valid, o, poisoned);
    REQUIRE_THROWS_WITH(t.run(), Catch::Contains("epoch 2, batch 2") && Catch::Contains("intact"));
    const Checkpoint last = read_checkpoint(t.last_path());
    REQUIRE(last.get_int("train.epoch") == 1);
}

TEST_CASE("the trainer rejects empty sets and nonsense options", "[train][errors]") {
    Fixture fx;
    Model m = fx.model();
    PreparedSet empty;
    REQUIRE_THROWS_WITH(ModelTrainer<Model>(m, empty, fx.valid, fx.options("trainer_err", 1)),
                        Catch::Contains("training set is empty"));
    TrainOptions o = fx.options("trainer_err", 1);
    o.epochs = 0;
    REQUIRE_THROWS_WITH(ModelTrainer<Model>(m, fx.train, fx.valid, o), Catch::Contains("epochs must be at least 1"));
}

TEST_CASE("early stopping ends the run after `patience` epochs without improvement", "[train]") {
    Fixture fx;
    Model m = fx.model();
    TrainOptions o = fx.options("trainer_early_stop", 10);
    o.schedule.lr = 1e-300;  // the weights cannot move: no epoch improves on the first
    o.early_stopping_patience = 2;
    const TrainResult r = ModelTrainer<Model>(m, fx.train, fx.valid, o).run();
    REQUIRE(r.stopped_early);
    REQUIRE(r.log.size() == 3);  // epoch 1 sets the best, epochs 2 and 3 do not improve
    REQUIRE(r.best_epoch == 1);
}
