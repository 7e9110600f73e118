// The energy trainer on a small SchNet and Morse-labelled Mo configurations: training lowers the
// validation error; runs are bit-for-bit reproducible; a resumed run equals an uninterrupted one;
// a NaN loss stops the run with epoch and batch and leaves the last checkpoint intact.
#include <catch2/catch.hpp>

#include "eipnn/eip/morse.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/pool.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

SchNetConfig small_config() {
    SchNetConfig c;
    c.species = {42};
    c.cutoff = 4.5;
    c.n_features = 8;
    c.n_rbf = 10;
    c.n_interactions = 2;
    c.head_hidden = 8;
    return c;
}

// Strained, rattled bcc/fcc Mo labelled with the Girifalco–Weizer Morse potential.
Dataset morse_dataset(std::size_t n, std::uint64_t seed) {
    PoolConfig pc = default_pool_config("Mo");
    pc.prototypes = {"bcc", "fcc"};
    pc.max_atoms = 16;
    pc.seed = seed;
    const MorsePotential pot = MorsePotential::named("GirifalcoWeizer_Mo_low");
    Dataset d;
    for (std::size_t k = 0; k < n; ++k) {
        Sample s;
        s.structure = make_pool_item(pc, k).structure;
        s.energy = pot.compute(s.structure).energy;
        s.source = str("morse sample ", k);
        d.samples.push_back(std::move(s));
    }
    return d;
}

struct Fixture {
    PreparedSet train, valid;
    Fixture() {
        const SchNetConfig c = small_config();
        train = prepare(morse_dataset(24, 1), c.cutoff);
        valid = prepare(morse_dataset(8, 2), c.cutoff);
    }
    std::unique_ptr<SchNet<double>> model() const {
        auto m = std::make_unique<SchNet<double>>(small_config(), 7);
        std::vector<const Structure*> ptrs;
        for (const auto& s : train.structures) ptrs.push_back(&s);
        apply_normalization(*m, fit_energy_normalization(ptrs, train.energies));
        return m;
    }
    TrainOptions options(const std::string& name, int epochs) const {
        TrainOptions o;
        o.epochs = epochs;
        o.batch_size = 8;
        o.schedule.lr = 5e-3;
        o.threads = 1;
        o.out = test::scratch_dir(name) / "model.ckpt";
        return o;
    }
};

}  // namespace

TEST_CASE("training lowers the validation energy error", "[train]") {
    Fixture fx;
    auto m = fx.model();
    const double before = energy_metrics(predict_energies(*m, fx.valid, Host{1}), fx.valid).mae_meV_per_atom;
    const TrainOptions opt = fx.options("trainer_learns", 15);
    EnergyTrainer<double> trainer(*m, fx.train, fx.valid, opt);
    const TrainResult r = trainer.run();
    INFO("valid MAE before " << before << " meV/atom, best " << r.best_valid_metric);
    REQUIRE(r.log.size() == 15);
    REQUIRE(r.best_valid_metric < 0.5 * before);
    REQUIRE(r.log.back().train_loss < r.log.front().train_loss);
    // the best checkpoint reproduces the best epoch's validation error
    auto best = model_from_checkpoint<double>(read_checkpoint(opt.out), "best");
    REQUIRE(energy_metrics(predict_energies(*best, fx.valid, Host{1}), fx.valid).mae_meV_per_atom ==
            Approx(r.best_valid_metric).epsilon(1e-12));
    REQUIRE(std::filesystem::exists(trainer.csv_path()));
}

TEST_CASE("same seed and threads give the same weights bit for bit; resuming continues exactly", "[train]") {
    Fixture fx;
    auto a = fx.model();
    EnergyTrainer<double>(*a, fx.train, fx.valid, fx.options("trainer_det_a", 4)).run();
    auto b = fx.model();
    EnergyTrainer<double>(*b, fx.train, fx.valid, fx.options("trainer_det_b", 4)).run();
    REQUIRE(a->params.data == b->params.data);

    // 2 epochs, stop, resume to 4 (a fresh model object, as a new process would have)
    auto c = fx.model();
    TrainOptions first = fx.options("trainer_resume", 2);
    EnergyTrainer<double>(*c, fx.train, fx.valid, first).run();
    auto d = fx.model();
    TrainOptions rest = first;
    rest.epochs = 4;
    rest.resume = true;
    const TrainResult r = EnergyTrainer<double>(*d, fx.train, fx.valid, rest).run();
    REQUIRE(r.log.size() == 4);
    REQUIRE(d->params.data == a->params.data);
}

TEST_CASE("a NaN loss stops with epoch and batch, and the last checkpoint survives", "[train][errors]") {
    Fixture fx;
    auto m = fx.model();
    const TrainOptions o = fx.options("trainer_nan", 3);
    int calls = 0;
    const std::size_t batches_per_epoch = 3;  // 24 samples, batches of 8
    BatchLoss base = energy_mse_loss(*m, fx.train);
    BatchLoss poisoned = [&](const std::vector<std::size_t>& items, const std::vector<double>& pred, std::vector<double>& g) {
        const double l = base(items, pred, g);
        return ++calls == int(batches_per_epoch) + 2 ? std::nan("") : l;  // epoch 2, batch 2
    };
    EnergyTrainer<double> t(*m, fx.train, fx.valid, o, poisoned);
    REQUIRE_THROWS_WITH(t.run(), Catch::Contains("epoch 2, batch 2") && Catch::Contains("intact"));
    const Checkpoint last = read_checkpoint(t.last_path());
    REQUIRE(last.get_int("train.epoch") == 1);
}

TEST_CASE("the trainer rejects empty sets and nonsense options", "[train][errors]") {
    Fixture fx;
    auto m = fx.model();
    PreparedSet empty;
    REQUIRE_THROWS_WITH(EnergyTrainer<double>(*m, empty, fx.valid, fx.options("trainer_err", 1)),
                        Catch::Contains("training set is empty"));
    TrainOptions o = fx.options("trainer_err", 1);
    o.epochs = 0;
    REQUIRE_THROWS_WITH(EnergyTrainer<double>(*m, fx.train, fx.valid, o), Catch::Contains("epochs must be at least 1"));
}

TEST_CASE("early stopping ends the run after `patience` epochs without improvement", "[train]") {
    Fixture fx;
    auto m = fx.model();
    TrainOptions o = fx.options("trainer_early_stop", 10);
    o.schedule.lr = 1e-300;  // the weights cannot move: no epoch improves on the first
    o.early_stopping_patience = 2;
    const TrainResult r = EnergyTrainer<double>(*m, fx.train, fx.valid, o).run();
    REQUIRE(r.stopped_early);
    REQUIRE(r.log.size() == 3);  // epoch 1 sets the best, epochs 2 and 3 do not improve
    REQUIRE(r.best_epoch == 1);
}
