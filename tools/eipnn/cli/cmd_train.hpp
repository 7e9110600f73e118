// `eipnn train`: a model of any kind (--model schnet|soapnet) on the energies of an extxyz file,
// with every hyperparameter of METHOD.md as a flag (or a key of a --config TOML/INI file), the
// paper's values as defaults. Under mpirun every rank reads the data and keeps its share of the
// configurations (parallel/sharded_set.hpp), each batch is spread over the ranks
// (train/energy_trainer.hpp, parallel/distributed_step.hpp), and rank 0 alone prints, writes the
// checkpoints and the log, and plots. --device cuda computes the gradients and the validation on
// the GPU (one process; train/gradient_backend.hpp).
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <type_traits>

#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "cli/resources.hpp"
#include "cli/loss_flags.hpp"
#include "cli/model_flags.hpp"
#include "eipnn/parallel/collective_error.hpp"
#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/model_inputs.hpp"

namespace eipnn::cli {

struct TrainFlags {
    int epochs = 100, threads = 0, patience = 0;
    std::size_t batch_size = 32;
    double lr = 1e-3, lr_end = 1e-5, warmup_frac = 0.2, ratio = 32, clip = 5.0, weight_decay = 0;
    std::string schedule = "constant", device = "cpu";
    bool adamw = false;
    std::uint64_t seed = 42;
    CLI::Option *epochs_option = nullptr, *schedule_option = nullptr;

    // --forces' schedule (loss_flags.hpp) where the user set none: more epochs, a decaying rate
    void use_force_schedule() {
        if (epochs_option->count() == 0) epochs = kForceEpochs;
        if (schedule_option->count() == 0) {
            schedule = "linear";
            lr_end = kForceLrEnd;
        }
    }

    void add(CLI::App* cmd) {
        epochs_option = cmd->add_option("--epochs", epochs, str("epochs (paper: 100; with --forces ", kForceEpochs, ")"));
        epochs_option->capture_default_str();
        cmd->add_option("--batch-size", batch_size, "configurations per batch (paper: 32)")->capture_default_str();
        cmd->add_option("--lr", lr, "learning rate (peak for slanted_triangular, start for linear)")->capture_default_str();
        schedule_option = cmd->add_option("--schedule", schedule,
                                          "constant | linear | slanted_triangular | plateau (with --forces: linear to 1e-5)");
        schedule_option->capture_default_str();
        cmd->add_option("--lr-end", lr_end, "final rate of the linear schedule (paper's fine-tuning: 1e-5)")->capture_default_str();
        cmd->add_option("--warmup-frac", warmup_frac, "slanted triangular warm-up fraction (paper: 20/100)")->capture_default_str();
        cmd->add_option("--ratio", ratio, "slanted triangular peak/low ratio (paper: 32)")->capture_default_str();
        cmd->add_option("--clip", clip, "gradient-norm clipping; 0 disables (paper: 5)")->capture_default_str();
        cmd->add_option("--weight-decay", weight_decay, "weight decay")->capture_default_str();
        cmd->add_flag("--adamw", adamw, "decoupled weight decay (AdamW)");
        cmd->add_option("--seed", seed, "seed for initialisation, splits and batch order (paper: 42)")->capture_default_str();
        cmd->add_option("--threads", threads, "threads; 0 = all cores")->capture_default_str();
        add_device_option(cmd, device);
        cmd->add_option("--patience", patience, "early stopping after this many epochs without improvement; 0 = off")
            ->capture_default_str();
    }
    // Checked before any data is read, so a typo fails at once and writes nothing.
    void validate() const {
        const char* where = "eipnn train";
        if (epochs < 1) throw Error(str("--epochs must be at least 1, got ", epochs), where);
        if (batch_size < 1 || batch_size > (std::size_t(1) << 31))
            throw Error(str("--batch-size must be from 1 to 2^31, got ", batch_size == std::size_t(-1) ? std::string("-1") : str(batch_size)), where);
        if (threads < 0) throw Error(str("--threads ", threads, " is negative"), where, "0 uses all cores");
        require_device(device, where, true);
        if (patience < 0) throw Error(str("--patience ", patience, " is negative"), where, "0 turns early stopping off");
        for (const auto& [name, v] : {std::pair<const char*, double>{"--lr", lr}, {"--lr-end", lr_end}, {"--ratio", ratio}})
            if (!(v > 0) || !std::isfinite(v)) throw Error(str(name, " ", v, " must be a positive number"), where);
        if (!(warmup_frac >= 0 && warmup_frac <= 1)) throw Error(str("--warmup-frac ", warmup_frac, " must be in [0, 1]"), where);
        if (!(clip >= 0) || !std::isfinite(clip)) throw Error(str("--clip ", clip, " must be >= 0"), where, "0 disables clipping");
        if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) throw Error(str("--weight-decay ", weight_decay, " must be >= 0"), where);
    }
    TrainOptions options(const std::string& out, bool resume) const {
        TrainOptions o;
        o.epochs = epochs;
        o.batch_size = batch_size;
        o.schedule.kind = parse_schedule_kind(schedule);
        o.schedule.lr = lr;
        o.schedule.lr_end = lr_end;
        o.schedule.cut_frac = warmup_frac;
        o.schedule.ratio = ratio;
        o.adam.weight_decay = weight_decay;
        o.adam.decoupled_weight_decay = adamw;
        o.clip_norm = clip;
        o.seed = seed;
        o.threads = threads;
        o.early_stopping_patience = patience;
        o.out = out;
        o.resume = resume;
        return o;
    }
};

// The training and validation data: whole in one process, or under mpirun spread over the ranks;
// with what the model is built from in either case (every training configuration's atomic
// numbers and energy).
struct TrainData {
    PreparedSet train, valid;                                // one process
    std::optional<ShardedSet> sharded_train, sharded_valid;  // under mpirun

    std::size_t n_train() const { return sharded_train ? sharded_train->size() : train.size(); }
    std::size_t n_valid() const { return sharded_valid ? sharded_valid->size() : valid.size(); }
    const std::vector<int>& numbers(std::size_t i) const {
        return sharded_train ? sharded_train->info[i].numbers : train.structures[i].numbers;
    }
    std::size_t n_train_atoms() const {
        std::size_t n = 0;
        for (std::size_t i = 0; i < n_train(); ++i) n += numbers(i).size();
        return n;
    }
    bool has_stress() const {
        for (std::size_t i = 0; i < n_train(); ++i)
            if (sharded_train ? sharded_train->info[i].has_stress : !train.stress[i].empty()) return true;
        return false;
    }
    std::vector<int> species() const {
        std::vector<int> z;
        for (std::size_t i = 0; i < n_train(); ++i)
            for (int n : numbers(i))
                if (std::find(z.begin(), z.end(), n) == z.end()) z.push_back(n);
        std::sort(z.begin(), z.end());
        return z;
    }
    EnergyNormalization normalization() const {
        std::vector<const std::vector<int>*> n;
        std::vector<double> e;
        for (std::size_t i = 0; i < n_train(); ++i) {
            n.push_back(&numbers(i));
            e.push_back(sharded_train ? sharded_train->info[i].energy : train.energies[i]);
        }
        return fit_energy_normalization(n, e);
    }

    // --train (and --valid, or --split's fractions of --train with `seed`) prepared at `cutoff`.
    static TrainData load(const std::string& train_path, const std::string& valid_path, std::vector<double> split,
                          std::uint64_t seed, double cutoff, const Communicator& comm, const Host& host) {
        if (split.empty()) split = {0.9, 0.1};
        TrainData d;
        if (comm.active()) {
            const ShardedData all = ShardedData::read(train_path, comm);
            std::vector<std::size_t> every(all.size());
            for (std::size_t f = 0; f < every.size(); ++f) every[f] = f;
            if (!valid_path.empty()) {
                const ShardedData v = ShardedData::read(valid_path, comm);
                std::vector<std::size_t> every_valid(v.size());
                for (std::size_t f = 0; f < every_valid.size(); ++f) every_valid[f] = f;
                d.sharded_train = all.select(every, cutoff, comm, host);
                d.sharded_valid = v.select(every_valid, cutoff, comm, host);
            } else {
                const auto parts = random_split(all.size(), split, seed);
                d.sharded_train = all.select(parts[0], cutoff, comm, host);
                d.sharded_valid = all.select(parts[1], cutoff, comm, host);
            }
            return d;
        }
        Dataset all = load_dataset(train_path);
        Dataset train_data, valid_data;
        if (!valid_path.empty()) {
            train_data = std::move(all);
            valid_data = load_dataset(valid_path);
        } else {
            const auto parts = random_split(all.size(), split, seed);
            train_data = all.subset(parts[0]);
            valid_data = all.subset(parts[1]);
        }
        d.train = prepare(train_data, cutoff, host);
        d.valid = prepare(valid_data, cutoff, host);
        return d;
    }

    // Under mpirun: how many configurations each rank holds, e.g. "97, 96, 96 of 289" (collective).
    std::string shares() const {
        if (!sharded_train) return "";
        return held_shares(sharded_train->comm(), sharded_train->held().size() + sharded_valid->held().size(),
                           n_train() + n_valid());
    }
};

// Draws the learning curves next to the CSV with the project's matplotlib script; a missing
// matplotlib is a note, not an error.
inline void plot_learning_curves(const std::string& csv, const std::string& png) {
    if (run_python_script("plot_learning_curves.py", {csv, png})) std::fprintf(stderr, "learning curves: %s\n", png.c_str());
    else std::fprintf(stderr, "note: no learning-curve plot (python3-matplotlib missing?)\n");
}

inline void add_train_command(CLI::App& app) {
    struct Options {
        std::string train, valid, out;
        std::vector<double> split;
        bool resume = false, double_precision = false;
        ModelFlags model;
        TrainFlags train_flags;
        LossFlags loss;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("train", "train a model (SchNet or SOAPNet) on the energies (and with --forces the forces and stresses) of an extxyz file");
    cmd->set_config("--config", "", "TOML or INI file with any of these options (flags override it)");
    cmd->add_option("--train", o->train, "training data (extxyz with energy=)")->required();
    cmd->add_option("--valid", o->valid, "validation data; or use --split");
    cmd->add_option("--split", o->split, "train/valid fractions of --train when no --valid, e.g. 0.9 0.1")->expected(2);
    cmd->add_option("--out", o->out, "best checkpoint; also writes OUT.last, OUT.log.csv, OUT.curves.png")->required();
    cmd->add_flag("--resume", o->resume, "continue from OUT.last");
    cmd->add_flag("--double", o->double_precision, "train in double instead of float");
    o->model.add(cmd);
    o->train_flags.add(cmd);
    o->loss.add(cmd);
    cmd->callback([o]() {
        const Communicator comm = Communicator::world();
        try {  // the flags are the same on every rank: so is this verdict, reported once
            if (o->loss.forces) o->train_flags.use_force_schedule();
            o->train_flags.validate();
            if (comm.size() > 1 && o->train_flags.device != "cpu")
                throw Error("--device cuda trains in one process only so far", "eipnn train under MPI",
                            "run one process with --device cuda, or the ranks with --device cpu");
            o->loss.validate("eipnn train");
            parse_schedule_kind(o->train_flags.schedule);  // an unknown schedule fails before the data is read
            if (!o->split.empty() && o->valid.empty())
                for (double f : o->split)
                    if (!(f > 0 && f < 1)) throw Error(str("--split fraction ", f, " must be in (0, 1)"), "eipnn train", "e.g. --split 0.9 0.1");
        } catch (const Error& e) {
            throw CollectiveError(e.problem(), e.location(), e.hint());
        }
        {
            const std::filesystem::path out(o->out), dir = out.has_parent_path() ? out.parent_path() : ".";
            if (!std::filesystem::is_directory(dir))
                throw Error(str("folder ", dir.string(), " does not exist"), "--out " + o->out, "create it first");
        }
        const Host host{o->train_flags.threads};
        const TrainData data =
            TrainData::load(o->train, o->valid, o->split, o->train_flags.seed, o->model.cutoff, comm, host);
        const std::string shares = data.shares();
        if (comm.root())
            std::fprintf(stderr, "train: %zu configurations (%zu atoms), valid: %zu; %s%s\n", data.n_train(),
                         data.n_train_atoms(), data.n_valid(), o->model.describe().c_str(),
                         comm.active() ? str("; MPI ranks: ", comm.size(), ", configurations held: ", shares).c_str() : "");
        auto run = [&](auto* tag) {
            using Model = std::remove_pointer_t<decltype(tag)>;
            Model model(o->model.config<Model>(data.species()), unsigned(o->train_flags.seed));
            apply_normalization(model, data.normalization());
            // a resumed run loads the fitted inputs with the rest of OUT.last: fitting them here
            // (SOAPNet: descriptors of the whole training set) would be thrown away
            if (!o->resume) {
                if (data.sharded_train) prepare_model_inputs(model, *data.sharded_train, host);
                else prepare_model_inputs(model, data.train, host);
            }
            TrainOptions options = o->train_flags.options(o->out, o->resume);
            options.loss = o->loss.weights(data.has_stress());
            if (options.loss.uses_forces() && comm.root())
                std::fprintf(stderr, "loss weights: energy %g, forces %g, stress %g\n", options.loss.energy,
                             options.loss.forces, options.loss.stress);
            std::unique_ptr<ModelTrainer<Model>> owned_trainer =
                data.sharded_train
                    ? std::make_unique<ModelTrainer<Model>>(model, *data.sharded_train, *data.sharded_valid, options)
                    : std::make_unique<ModelTrainer<Model>>(model, data.train, data.valid, options);
            ModelTrainer<Model>& trainer = *owned_trainer;
            trainer.comm = comm;
            trainer.gradients = device_gradients_for<Model>(o->train_flags.device);
            std::unique_ptr<Progress> bar;
            const bool tty = ::isatty(STDERR_FILENO) == 1;  // logs get the per-epoch lines only
            trainer.on_batch = [&](int epoch, std::size_t b, std::size_t n, double loss) {
                if (!tty || !comm.root()) return;
                if (b == 1) bar = std::make_unique<Progress>(str("epoch ", epoch), n);
                bar->update(b, str("loss ", loss));
            };
            trainer.on_epoch = [&](const EpochRecord& r) {
                if (!comm.root()) return;
                if (bar) bar->finish(str("loss ", r.train_loss));
                if (options.loss.uses_forces())
                    std::fprintf(stderr,
                                 "epoch %d  train loss %.4g (E %.3g F %.3g S %.3g)  valid energy MAE %.2f meV/atom  "
                                 "force MAE %.4f eV/Å  stress MAE %.3f GPa  lr %.3g  %.1f s\n",
                                 r.epoch, r.train_loss, r.train_terms.energy, r.train_terms.forces, r.train_terms.stress,
                                 r.valid_mae_meV_per_atom, r.valid_force_mae_eV_per_A, r.valid_stress_mae_GPa, r.lr,
                                 r.seconds);
                else
                    std::fprintf(stderr, "epoch %d  train loss %.4g  valid MAE %.2f meV/atom  RMSE %.2f  lr %.3g  %.1f s\n",
                                 r.epoch, r.train_loss, r.valid_mae_meV_per_atom, r.valid_rmse_meV_per_atom, r.lr, r.seconds);
            };
            const TrainResult res = trainer.run();
            // the most any rank spent reducing and waiting (collective: before rank 0 alone goes on)
            std::vector<double> worst{res.reduction.reduce_seconds, res.reduction.wait_seconds};
            comm.allreduce_max(worst);
            if (!comm.root()) return;
            if (comm.active()) {
                const ReductionStats& st = res.reduction;
                std::fprintf(stderr,
                             "MPI: %d ranks, %zu steps, %zu bytes reduced per step; the most on any rank: reduction "
                             "%.4f s (%.3f ms per step), waiting for a slower rank %.4f s (%.3f ms per step)\n",
                             comm.size(), st.steps, st.bytes_per_step, worst[0],
                             st.steps ? 1e3 * worst[0] / double(st.steps) : 0.0, worst[1],
                             st.steps ? 1e3 * worst[1] / double(st.steps) : 0.0);
            }
            if (options.loss.uses_forces()) {
                const EpochRecord& b = res.log.at(std::size_t(res.best_epoch - 1));
                std::printf("best epoch %d: valid energy MAE %.3f meV/atom, force MAE %.4f eV/Å (valid loss %.4g); "
                            "checkpoint %s\n",
                            res.best_epoch, b.valid_mae_meV_per_atom, b.valid_force_mae_eV_per_A, res.best_valid_metric,
                            o->out.c_str());
            } else {
                std::printf("best epoch %d: valid energy MAE %.3f meV/atom; checkpoint %s\n", res.best_epoch,
                            res.best_valid_metric, o->out.c_str());
            }
            plot_learning_curves(trainer.csv_path().string(), o->out + ".curves.png");
        };
        if (o->double_precision) with_model_kind<double>(o->model.kind, run, "--model");
        else with_model_kind<float>(o->model.kind, run, "--model");
    });
}

}  // namespace eipnn::cli
