// METHOD.md end to end for one element and one seed: the baseline, strategy 1 (auxiliary
// classifier and weak labels), strategy 2 (pretraining on EIP energies, then fine-tuning) and both
// together, each evaluated on the DFT test split. Everything a step needs is passed in; nothing
// is read from disk here except checkpoints the trainer itself writes under `work_dir`.
#pragma once
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>
#include <string>
#include <vector>

#include "eipnn/parallel/distributed_errors.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "eipnn/train/pool.hpp"
#include "eipnn/train/strategies/eip_labels.hpp"
#include "eipnn/train/strategies/objectives.hpp"

namespace eipnn {

// Everything but the model's own configuration.
struct PipelineSizes {
    int epochs = 100;                   // DFT training (baseline, weak, fine-tuning)
    int classifier_epochs = 100;
    int pretrain_epochs = 100;
    std::size_t batch_size = 32;
    double lr = 1e-3;
    double valid_fraction = 0.1;        // of the DFT training split, for model selection
    double pool_valid_fraction = 0.1;   // of the pool, for pretraining's checkpoint choice
    std::vector<double> alphas = {0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10};  // the paper's grid
    ShiftEstimator shift_estimator = ShiftEstimator::median;
    bool choose_estimator_on_validation = true;
    int threads = 0;
    std::uint64_t seed = 42;
    // DFT terms of every DFT training (baseline, weak, fine-tuning): energies only by default;
    // with force or stress weights the DFT forces (and stresses) count too, and the weak labels
    // of strategy 1 stay energies under their Tukey loss. Checkpoints are then chosen by the
    // validation loss (train/energy_trainer.hpp).
    LossWeights dft_loss;
    // Strategy 1 with weak forces (only with force weights, and pool labels from
    // label_with_eips(..., with_forces)): a weak item also carries its selected EIP's forces,
    // under the same Tukey loss as its energy, weighted alpha * w_F (train/force_loss.hpp).
    bool weak_forces = false;
    // Which of METHOD.md's methods to run (the baseline always: every change is measured against
    // it). "both" reuses strategy 1's alpha and strategy 2's pretrained model, so it needs both.
    // Skipping strategies leaves out their classifier or pretraining, e.g. to measure a baseline
    // at the paper's sizes alone.
    bool run_weak = true, run_pretrain = true, run_both = true;
};

template <class ModelConfig>
struct PipelineConfigT : PipelineSizes {
    ModelConfig model;                  // species are set from the data
};

struct MethodResult {
    std::string method;                 // baseline | weak | pretrain | both
    double test_mae_meV_per_atom = 0;
    double valid_mae_meV_per_atom = 0;  // the validation metric that chose it (training on forces: the loss)
    double alpha = 0;                   // weak and both
    double test_force_mae_eV_per_A = -1;  // training on forces only (< 0: not measured)
};

struct PipelineReport {
    std::vector<MethodResult> results;
    std::vector<std::string> eip_names;
    std::vector<double> eip_shifts;                 // eV/atom
    std::vector<double> eip_test_mae;               // meV/atom, aligned
    std::string estimator;                          // chosen shift estimator and why
    std::vector<int> class_histogram_train;         // K+1
    double classifier_valid_accuracy = 0;
    std::vector<int> pool_class_histogram;          // predicted on the pool, K+1
    std::size_t n_weak = 0, n_pool = 0;
    std::vector<std::string> notes;
};

// One DFT-labelled split prepared for training with its EIP energies: held whole (PreparedSet) or
// spread over the ranks of an MPI job (ShardedSet; the EIP energies, K numbers per configuration,
// on every rank).
template <class Set>
struct LabelledSplitT {
    Set set;
    EipEnergies eip;
};
using LabelledSplit = LabelledSplitT<PreparedSet>;

// ModelT: any model template of nn/models.hpp (trained in float, evaluated in double).
template <template <class> class ModelT>
class PipelineT {
public:
    using ModelConfig = typename ModelT<float>::ConfigType;
    using Config = PipelineConfigT<ModelConfig>;
    std::function<void(const std::string&)> log = [](const std::string&) {};
    // The ranks that share every training (parallel/communicator.hpp; inactive: one process). Each
    // rank runs the whole pipeline; the trainings split their batches over the ranks (the
    // classifier runs whole batches on each, see ModelTrainer), so every rank takes the same
    // decisions (alpha, estimator) from the same numbers, and rank 0 writes the checkpoints. The
    // sets are either held whole by every rank (PreparedSet) or spread over the ranks (ShardedSet,
    // of this communicator): then each rank holds its share of the DFT splits and of the pool,
    // every prediction on a set is made by the rank that holds the configuration, and only the
    // few numbers per configuration that decisions need (energies, EIP energies, classes) are on
    // every rank.
    Communicator comm;
    // Where the trainings that use the trainer's default step (every one but strategy 1's
    // classifier) compute their batch gradients (train/gradient_backend.hpp; a GPU), and the
    // energy trainings their validation; null: the host. Pretraining's multi-head validation, the
    // classifier and the test metrics run on the host. Not with an active communicator.
    std::shared_ptr<GradientBackend<ModelT<float>>> gradients;

    PipelineT(Config cfg, std::filesystem::path work_dir) : c_(std::move(cfg)), dir_(std::move(work_dir)) {
        std::filesystem::create_directories(dir_);
    }

    template <class Set>
    PipelineReport run(const LabelledSplitT<Set>& train, const LabelledSplitT<Set>& valid, const Set& test,
                       const Set& pool, const EipEnergies& pool_eip) {
        if (gradients && comm.active())
            throw Error("a gradient backend with MPI ranks", "PipelineT::run",
                        "train on the host under MPI, or in one process on the backend");
        PipelineReport rep;
        const std::size_t K = train.eip.n_eips();
        rep.eip_names = train.eip.names;
        rep.n_pool = pool.size();

        // ---- alignment and class labels (training split only) ----
        choose_shifts(train, valid, rep);
        const EipEnergies train_aligned = apply_eip_shifts(train.eip, rep.eip_shifts);
        const EipEnergies valid_aligned = apply_eip_shifts(valid.eip, rep.eip_shifts);
        const std::vector<int> y_train = eip_class_labels(train_aligned, energy_labels(train.set));
        const std::vector<int> y_valid = eip_class_labels(valid_aligned, energy_labels(valid.set));
        rep.class_histogram_train = class_histogram(y_train, int(K) + 1);
        log(str("class histogram (train): ", join(rep.class_histogram_train)));

        // ---- baseline ----
        rep.results.push_back(train_energy_model("baseline", train.set, valid.set, test, nullptr, {}, 0.0));
        if (c_.run_both && !(c_.run_weak && c_.run_pretrain))
            throw Error("method 'both' without 'weak' and 'pretrain'", "PipelineT::run", "both reuses their alpha and pretrained model");
        if (!c_.run_weak && !c_.run_pretrain) return rep;

        // ---- strategy 1: classifier, weak labels ----
        if (!c_.run_weak) {
            rep.results.push_back(train_energy_model("pretrain", train.set, valid.set, test, pretrain(pool, pool_eip).get(), {}, 0.0));
            return rep;
        }
        const std::vector<int> pool_classes = train_classifier(train.set, y_train, valid.set, y_valid, pool, rep);
        const EipEnergies pool_aligned = apply_eip_shifts(pool_eip, rep.eip_shifts);
        std::vector<std::size_t> all_train(train.set.size());
        for (std::size_t i = 0; i < all_train.size(); ++i) all_train[i] = i;
        Set combined = subset_of(train.set, all_train);
        std::vector<char> is_weak(train.set.size(), 0);
        rep.pool_class_histogram = class_histogram(pool_classes, int(K) + 1);
        const bool weak_forces = c_.weak_forces && !pool_eip.forces.empty();
        for (std::size_t u = 0; u < pool.size(); ++u) {
            const int k = pool_classes[u];
            if (k == int(K) || !pool_aligned.valid(u, std::size_t(k))) continue;
            // weak labels are energies (and, with weak_forces, the EIP's forces); never a stress
            static const std::vector<double> none;
            append_weak(combined, pool, u, pool_aligned.at(u, std::size_t(k)), weak_forces,
                        weak_forces ? pool_eip.forces[u * K + std::size_t(k)] : none);
            is_weak.push_back(1);
        }
        rep.n_weak = combined.size() - train.set.size();
        log(str("weak labels: ", rep.n_weak, " of ", pool.size(), " pool configurations (predicted classes ",
                join(rep.pool_class_histogram), ")"));
        MethodResult weak{"weak", 0, 0, 0};
        if (rep.n_weak == 0) {
            rep.notes.push_back("strategy 1: the classifier put every pool configuration in class K; weak = baseline");
            weak = rep.results[0];
            weak.method = "weak";
        } else {
            weak = best_over_alphas("weak", combined, is_weak, valid.set, test, nullptr);
        }
        rep.results.push_back(weak);
        if (!c_.run_pretrain) return rep;

        // ---- strategy 2: pretrain on the pool's EIP energies, fine-tune on DFT ----
        std::unique_ptr<ModelT<float>> pretrained = pretrain(pool, pool_eip);
        rep.results.push_back(train_energy_model("pretrain", train.set, valid.set, test, pretrained.get(), {}, 0.0));
        if (!c_.run_both) return rep;

        // ---- both ----
        MethodResult both{"both", 0, 0, 0};
        if (rep.n_weak == 0) {
            both = rep.results[2];
            both.method = "both";
        } else {
            both = train_energy_model("both", combined, valid.set, test, pretrained.get(), is_weak, weak.alpha);
        }
        rep.results.push_back(both);
        return rep;
    }

private:
    static std::string join(const std::vector<int>& v) {
        std::string s;
        for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
        return s;
    }

    // Pool configuration u with a weak label (energy, config type "weak", optionally forces).
    static void append_weak(PreparedSet& combined, const PreparedSet& pool, std::size_t u, double energy, bool has_forces,
                            const std::vector<double>& forces) {
        append_item(pool, u, combined);
        combined.energies.back() = energy;
        combined.config_types.back() = "weak";
        combined.forces.back() = has_forces ? forces : std::vector<double>{};
        combined.stress.back().clear();
    }
    static void append_weak(ShardedSet& combined, const ShardedSet& pool, std::size_t u, double energy, bool has_forces,
                            const std::vector<double>& forces) {
        combined.append(pool, u, energy, "weak", has_forces, forces);
    }

    // Evaluation of a trained model on a set: predictions, or, spread over ranks, per-configuration
    // errors from the ranks that hold them.
    template <class Model>
    EnergyMetrics test_energy_metrics(const Model& m, const PreparedSet& test, const Host& host) const {
        return energy_metrics(predict_energies(m, test, host), test);
    }
    template <class Model>
    EnergyMetrics test_energy_metrics(const Model& m, const ShardedSet& test, const Host& host) const {
        return energy_metrics(distributed_errors(m, test, host, false));
    }
    template <class Model>
    EnergyForceMetrics test_force_metrics(const Model& m, const PreparedSet& test, const Host& host) const {
        return energy_force_metrics(predict_energy_forces(m, test, host), test);
    }
    template <class Model>
    EnergyForceMetrics test_force_metrics(const Model& m, const ShardedSet& test, const Host& host) const {
        return energy_force_metrics(distributed_errors(m, test, host, true));
    }

    template <class Set>
    ModelConfig model_config(const Set& data, index_t heads, index_t classes) const {
        ModelConfig m = c_.model;
        m.species.clear();
        for (std::size_t i = 0; i < data.size(); ++i)
            for (int z : atomic_numbers(data, i))
                if (std::find(m.species.begin(), m.species.end(), z) == m.species.end()) m.species.push_back(z);
        std::sort(m.species.begin(), m.species.end());
        m.n_heads = heads;
        m.n_classes = classes;
        return m;
    }

    TrainOptions options(const std::string& name, int epochs, ScheduleConfig schedule) const {
        TrainOptions o;
        o.epochs = epochs;
        o.batch_size = c_.batch_size;
        o.schedule = schedule;
        o.threads = c_.threads;
        o.seed = c_.seed;
        o.out = dir_ / (name + ".ckpt");
        return o;
    }

    ScheduleConfig constant_lr() const {
        ScheduleConfig s;
        s.lr = c_.lr;
        return s;
    }

    // Shift estimator: the one whose aligned EIPs put more validation configurations within tau
    // of DFT (the property the classifier exploits); ties go to the median, the robust choice.
    template <class Set>
    void choose_shifts(const LabelledSplitT<Set>& train, const LabelledSplitT<Set>& valid, PipelineReport& rep) const {
        const std::vector<double> valid_energies = energy_labels(valid.set), train_energies = energy_labels(train.set);
        const auto within = [&](const std::vector<double>& shifts) {
            const EipEnergies a = apply_eip_shifts(valid.eip, shifts);
            const auto y = eip_class_labels(a, valid_energies);
            return std::count_if(y.begin(), y.end(), [&](int k) { return k < int(a.n_eips()); });
        };
        const auto median = fit_eip_shifts(train.eip, train_energies, ShiftEstimator::median);
        const auto mean = fit_eip_shifts(train.eip, train_energies, ShiftEstimator::mean);
        if (c_.choose_estimator_on_validation) {
            const auto n_med = within(median), n_mean = within(mean);
            const bool use_mean = n_mean > n_med;
            rep.eip_shifts = use_mean ? mean : median;
            rep.estimator = str(use_mean ? "mean" : "median", " (validation configurations with an EIP within 0.1 eV/atom: median ",
                                n_med, ", mean ", n_mean, " of ", valid.set.size(), ")");
        } else {
            rep.eip_shifts = c_.shift_estimator == ShiftEstimator::mean ? mean : median;
            rep.estimator = c_.shift_estimator == ShiftEstimator::mean ? "mean (fixed)" : "median (fixed)";
        }
        log("shift estimator: " + rep.estimator);
    }

    // Head `head` normalised on the configurations i of `data` with use(i), labelled label(i).
    template <class Model, class Set, class Use, class Label>
    static void normalize_on(Model& m, const Set& data, Use&& use, Label&& label, index_t head = 0) {
        std::vector<const std::vector<int>*> numbers;
        std::vector<double> e;
        for (std::size_t i = 0; i < data.size(); ++i)
            if (use(i)) {
                numbers.push_back(&atomic_numbers(data, i));
                e.push_back(label(i));
            }
        if (!numbers.empty()) apply_normalization(m, fit_energy_normalization(numbers, e), head);
    }

    // Trains an energy model (optionally from a pretrained backbone, optionally with weak labels)
    // and evaluates its best checkpoint on the test split.
    template <class Set>
    MethodResult train_energy_model(const std::string& name, const Set& train, const Set& valid, const Set& test,
                                    const ModelT<float>* backbone, const std::vector<char>& is_weak, double alpha) const {
        const Host host{c_.threads};
        ModelT<float> m(model_config(train, 1, 0), unsigned(c_.seed));
        // normalise on the DFT items only: weak labels must not move the reference energies
        normalize_on(m, train, [&](std::size_t i) { return is_weak.empty() || !is_weak[i]; },
                     [&](std::size_t i) { return energy_label(train, i); });
        prepare_model_inputs(m, train, host);  // inputs only (no labels): every training item counts
        ScheduleConfig schedule = constant_lr();
        if (backbone) {
            transfer_backbone(*backbone, m);
            schedule.kind = ScheduleKind::linear;  // the paper's fine-tuning: 1e-3 -> 1e-5
            schedule.lr_end = c_.lr * 1e-2;
        }
        char alpha_text[32];
        std::snprintf(alpha_text, sizeof alpha_text, "%g", alpha);
        const std::string tag = alpha > 0 ? name + "_alpha" + alpha_text : name;
        TrainOptions o = options(tag, c_.epochs, schedule);
        o.loss = c_.dft_loss;
        const bool on_forces = o.loss.uses_forces();
        if (c_.weak_forces && !is_weak.empty()) o.loss.weak_forces = alpha * o.loss.forces;
        ModelTrainer<ModelT<float>> t(
            m, train, valid, o, is_weak.empty() ? BatchLoss{} : weak_label_loss(m, train, is_weak, alpha, !on_forces));
        if (on_forces && !is_weak.empty()) t.weak_items = &is_weak;
        t.comm = comm;
        t.gradients = gradients;
        const TrainResult r = t.run();
        ModelT<double> best(model_config(train, 1, 0));
        load_model(read_checkpoint(dir_ / (tag + ".ckpt")), best, tag);
        MethodResult res{name, 0, r.best_valid_metric, alpha};
        if (on_forces) {
            const EnergyForceMetrics mt = test_force_metrics(best, test, host);
            res.test_mae_meV_per_atom = mt.energy_mae_meV_per_atom;
            res.test_force_mae_eV_per_A = mt.force_mae_eV_per_A;
            log(str(tag, ": valid loss ", res.valid_mae_meV_per_atom, ", test ", res.test_mae_meV_per_atom,
                    " meV/atom, ", res.test_force_mae_eV_per_A, " eV/Å (best epoch ", r.best_epoch, ")"));
        } else {
            res.test_mae_meV_per_atom = test_energy_metrics(best, test, host).mae_meV_per_atom;
            log(str(tag, ": valid ", res.valid_mae_meV_per_atom, " meV/atom, test ", res.test_mae_meV_per_atom,
                    " meV/atom (best epoch ", r.best_epoch, ")"));
        }
        return res;
    }

    template <class Set>
    MethodResult best_over_alphas(const std::string& name, const Set& combined, const std::vector<char>& is_weak,
                                  const Set& valid, const Set& test, const ModelT<float>* backbone) const {
        MethodResult best{name, 0, std::numeric_limits<double>::infinity(), 0};
        for (double alpha : c_.alphas) {
            const MethodResult r = train_energy_model(name, combined, valid, test, backbone, is_weak, alpha);
            if (r.valid_mae_meV_per_atom < best.valid_mae_meV_per_atom) best = r;  // chosen on validation only
        }
        log(str(name, ": alpha ", best.alpha, " chosen on validation"));
        return best;
    }

    template <class Set>
    std::vector<int> train_classifier(const Set& train, const std::vector<int>& y_train, const Set& valid,
                                      const std::vector<int>& y_valid, const Set& pool, PipelineReport& rep) const {
        const Host host{c_.threads};
        const index_t classes = index_t(rep.eip_names.size()) + 1;
        ModelT<float> clf(model_config(train, 1, classes), unsigned(c_.seed) + 1);
        prepare_model_inputs(clf, train, host);
        ScheduleConfig s = constant_lr();
        s.kind = ScheduleKind::slanted_triangular;  // the paper: 20 warm-up epochs of 100, ratio 32
        s.cut_frac = 0.2;
        s.ratio = 32;
        ModelTrainer<ModelT<float>> t(clf, train, valid, options("classifier", c_.classifier_epochs, s));
        t.batch_step = classifier_step<ModelT<float>>(y_train);
        t.validator = classifier_error_rate<ModelT<float>>(valid, y_valid, c_.batch_size);
        t.metric_name = "classifier error rate";
        t.comm = comm;
        const TrainResult r = t.run();
        load_model(read_checkpoint(dir_ / "classifier.ckpt"), clf, "classifier");
        rep.classifier_valid_accuracy = 1.0 - r.best_valid_metric;
        log(str("classifier: validation accuracy ", rep.classifier_valid_accuracy, " (best epoch ", r.best_epoch, ")"));
        return predict_classes(clf, pool, host, c_.batch_size);
    }

    template <class Set>
    std::unique_ptr<ModelT<float>> pretrain(const Set& pool, const EipEnergies& pool_eip) const {
        const std::size_t K = pool_eip.n_eips();
        const auto parts = random_split(pool.size(), {1.0 - c_.pool_valid_fraction, c_.pool_valid_fraction}, c_.seed);
        auto labels_of = [&](const std::vector<std::size_t>& idx, std::vector<double>& labels, std::vector<char>& valid) {
            for (std::size_t i : idx)
                for (std::size_t k = 0; k < K; ++k) {
                    labels.push_back(pool_eip.at(i, k));
                    valid.push_back(pool_eip.valid(i, k) ? 1 : 0);
                }
        };
        std::vector<double> y_train, y_valid;
        std::vector<char> m_train, m_valid;
        labels_of(parts[0], y_train, m_train);
        labels_of(parts[1], y_valid, m_valid);
        const Set tr = subset_of(pool, parts[0]), va = subset_of(pool, parts[1]);
        auto model = std::make_unique<ModelT<float>>(model_config(tr, index_t(K), 0), unsigned(c_.seed) + 2);
        prepare_model_inputs(*model, tr, Host{c_.threads});
        // each head normalised on its own EIP's valid energies
        for (std::size_t k = 0; k < K; ++k)
            normalize_on(*model, tr, [&](std::size_t i) { return m_train[i * K + k] != 0; },
                         [&](std::size_t i) { return y_train[i * K + k]; }, index_t(k));
        ScheduleConfig s = constant_lr();
        s.kind = ScheduleKind::slanted_triangular;
        s.cut_frac = 0.2;
        s.ratio = 32;
        // its own name: the fine-tuned strategy-2 model is called "pretrain" in the table
        ModelTrainer<ModelT<float>> t(*model, tr, va, options("pretrained_eip_heads", c_.pretrain_epochs, s),
                                      multihead_mse_loss(*model, y_train, m_train));
        t.validator = multihead_mae<ModelT<float>>(va, y_valid, m_valid, c_.batch_size);
        t.metric_name = "valid EIP-energy MAE (meV/atom)";
        t.comm = comm;
        t.gradients = gradients;
        const TrainResult r = t.run();
        load_model(read_checkpoint(dir_ / "pretrained_eip_heads.ckpt"), *model, "pretrained_eip_heads");
        log(str("pretraining: best valid EIP-energy MAE ", r.best_valid_metric, " meV/atom (epoch ", r.best_epoch, ")"));
        return model;
    }

    Config c_;
    std::filesystem::path dir_;
};

}  // namespace eipnn
