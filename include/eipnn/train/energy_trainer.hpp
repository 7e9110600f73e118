// Trains an energy model on total energies (METHOD.md's baseline and the backbone of every
// strategy). Any model of nn/model.hpp's interface (SchNet, SoapNet, ...); nothing here names one:
// Adam, gradient clipping by global norm, a learning-rate schedule per optimizer step, validation
// every epoch, the best checkpoint by validation energy MAE per atom, early stopping, a CSV log,
// atomic checkpoints, exact resumption and bit-for-bit determinism for a given seed and thread
// count. A loss that becomes NaN or Inf stops the run with the epoch and batch; checkpoints are
// written only at the end of an epoch, so the last good one is never touched.
//
// Training on forces and stresses (TrainOptions::loss with a force or stress weight): each batch
// runs train/force_training.hpp's step (the models' second backward), validation selects by the
// same loss over the validation set, and the log records each term and the force and stress
// errors. With those weights zero, the energy-only path below is unchanged.
//
// Two things are pluggable, for the strategies of METHOD.md:
//  - the loss on a batch's predicted energies (BatchLoss; default: MSE of the total energy per
//    configuration in units of the model's output scale), or the whole batch step (ModelBatchStep:
//    forward, loss, parameter gradients; the classifier uses this);
//  - the validation metric that picks the best checkpoint (ModelValidator, lower is better; default: the energy
//    MAE per atom of head 0 on the validation set).
//
// Another backend (a GPU): with `gradients` set (train/gradient_backend.hpp), the plain path's
// batch gradients and validation predictions are computed on a copy of the model there; the
// optimizer, checkpoints, the log and resumption stay here on the host model, unchanged.
//
// Data parallelism (MPI, issue 18): with an active `comm`, or when built on ShardedSets
// (parallel/sharded_set.hpp: each rank holds a share of the data), every rank runs this same
// loop on the same batches, each batch step is parallel/distributed_step.hpp's (configurations
// spread over the ranks, the gradient summed exactly, so every rank holds the same gradient and
// takes the same optimizer step), validation is spread over the ranks
// (parallel/distributed_errors.hpp), and only rank 0 writes checkpoints and the log. Sets that
// every rank holds whole are wrapped as replicated ShardedSets. That path is bit-identical for any
// number of ranks but not to the single-process path (see distributed_step.hpp); a trainer built on
// PreparedSets without an active communicator (the default) takes the plain path, unchanged.
#pragma once
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"
#include "eipnn/optim/lr_schedule.hpp"
#include "eipnn/parallel/distributed_errors.hpp"
#include "eipnn/parallel/distributed_step.hpp"
#include "eipnn/train/batch_step.hpp"
#include "eipnn/train/force_labels.hpp"
#include "eipnn/train/force_training.hpp"
#include "eipnn/train/gradient_backend.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "eipnn/train/normalization.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

struct TrainOptions {
    int epochs = 100;
    std::size_t batch_size = 32;
    ScheduleConfig schedule;          // lr, kind (constant by default)
    AdamConfig adam;                  // lr there is ignored: the schedule sets it
    double clip_norm = 5.0;           // <= 0: no clipping
    std::uint64_t seed = 42;          // batch order
    int threads = 0;                  // 0: all cores
    int early_stopping_patience = 0;  // epochs without improvement; 0: never stop early
    std::filesystem::path out;        // best checkpoint; "<out>.last" for resuming, "<out>.log.csv"
    bool resume = false;              // continue from "<out>.last"
    LossWeights loss;                 // forces / stress > 0: train on them too (force_loss.hpp)
};

struct EpochRecord {
    int epoch = 0;
    double train_loss = 0;
    double valid_metric = 0;              // what selects the best checkpoint (lower is better)
    double valid_mae_meV_per_atom = 0;
    double valid_rmse_meV_per_atom = 0;
    double valid_mae_eV_per_config = 0;
    double lr = 0;
    double seconds = 0;
    // training on forces: the mean weighted terms of the training loss, the validation errors
    LossTerms train_terms;
    double valid_force_mae_eV_per_A = 0, valid_force_rmse_eV_per_A = 0, valid_stress_mae_GPa = 0;
};

// Energy-only metrics of predictions against labels.
struct EnergyMetrics {
    double mae_meV_per_atom = 0, rmse_meV_per_atom = 0, mae_meV_per_config = 0, rmse_meV_per_config = 0;
};

// Summed in the order given (train/force_training.hpp's ConfigErrors; only their energies count).
inline EnergyMetrics energy_metrics(const std::vector<ConfigErrors>& errors) {
    EnergyMetrics m;
    for (const ConfigErrors& c : errors) {
        const double per_atom = c.energy / c.n_atoms;
        m.mae_meV_per_atom += std::abs(per_atom);
        m.rmse_meV_per_atom += per_atom * per_atom;
        m.mae_meV_per_config += std::abs(c.energy);
        m.rmse_meV_per_config += c.energy * c.energy;
    }
    const std::size_t n = errors.size();
    if (n == 0) return m;
    m.mae_meV_per_atom *= 1e3 / double(n);
    m.rmse_meV_per_atom = 1e3 * std::sqrt(m.rmse_meV_per_atom / double(n));
    m.mae_meV_per_config *= 1e3 / double(n);
    m.rmse_meV_per_config = 1e3 * std::sqrt(m.rmse_meV_per_config / double(n));
    return m;
}

inline EnergyMetrics energy_metrics(const std::vector<double>& predicted, const PreparedSet& set,
                                    const std::vector<std::size_t>* subset = nullptr) {
    std::vector<ConfigErrors> errors;
    auto visit = [&](std::size_t i) { errors.push_back(config_errors(set, i, predicted[i], {}, nullptr)); };
    if (subset) for (std::size_t i : *subset) visit(i);
    else for (std::size_t i = 0; i < set.size(); ++i) visit(i);
    return energy_metrics(errors);
}

// Energies of every configuration of a set (head `head`), in batches: on the host model, or where
// `backend` (if given) holds its loaded copy.
template <class Model>
std::vector<double> predict_energies(const Model& model, const PreparedSet& set, const Host& host,
                                     std::size_t batch_size = 32, index_t head = 0,
                                     GradientBackend<Model>* backend = nullptr) {
    std::vector<double> out(set.size()), energies;
    typename Model::Forward fw;
    for_each_batch(set.size(), batch_size, [&](const std::vector<std::size_t>& items) {
        const GraphBatch batch = set.batch(items);
        if (backend) {
            backend->evaluate(batch, energies, nullptr);
        } else {
            model.forward(host, batch, fw);
            energies = fw.energies;
        }
        for (std::size_t k = 0; k < items.size(); ++k)
            out[items[k]] = energies[k * std::size_t(model.config.n_heads) + std::size_t(head)];
    });
    return out;
}

// Sets head `head`'s output scale and per-species references from a normalisation.
template <class Model>
void apply_normalization(Model& model, const EnergyNormalization& norm, index_t head = 0) {
    const std::size_t S = model.config.species.size();
    model.head_scale.at(std::size_t(head)) = norm.scale;
    for (std::size_t s = 0; s < S; ++s) {
        const auto it = norm.reference.find(model.config.species[s]);
        model.head_ref.at(std::size_t(head) * S + s) = it == norm.reference.end() ? 0.0 : it->second;
    }
}

// loss over a batch: items are indices into the training set, predicted is (n_graphs, n_heads);
// writes dL/dE (same shape) and returns the loss.
using BatchLoss = std::function<double(const std::vector<std::size_t>& items, const std::vector<double>& predicted,
                                       std::vector<double>& dL_dE)>;

// A whole training step on a batch: returns the loss and accumulates parameter gradients.
template <class Model>
using ModelBatchStep = std::function<double(const Host& host, Model& model, const GraphBatch& batch,
                                            const std::vector<std::size_t>& items,
                                            ParameterBuffer<typename Model::Scalar>& grads)>;

// Validation metric of the current model; lower is better.
template <class Model>
using ModelValidator = std::function<double(const Host& host, Model& model)>;

namespace detail {
// MSE of head 0's total energies against energy_of(item), in units of the model's output scale.
template <class Model, class EnergyOf>
BatchLoss energy_mse_loss(const Model& model, EnergyOf energy_of) {
    return [&model, energy_of](const std::vector<std::size_t>& items, const std::vector<double>& predicted,
                               std::vector<double>& dL_dE) {
        const std::size_t K = std::size_t(model.config.n_heads), G = items.size();
        const double s = model.head_scale[0];
        dL_dE.assign(G * K, 0.0);
        double loss = 0;
        for (std::size_t g = 0; g < G; ++g) {
            const double d = (predicted[g * K] - energy_of(items[g])) / s;
            loss += d * d;
            dL_dE[g * K] = 2.0 * d / (s * double(G));
        }
        return loss / double(G);
    };
}
}  // namespace detail

template <class Model>
BatchLoss energy_mse_loss(const Model& model, const PreparedSet& train) {
    return detail::energy_mse_loss(model, [&train](std::size_t i) { return train.energies[i]; });
}

template <class Model>
BatchLoss energy_mse_loss(const Model& model, const ShardedSet& train) {
    return detail::energy_mse_loss(model, [&train](std::size_t i) { return train.info[i].energy; });
}

struct TrainResult {
    std::vector<EpochRecord> log;
    int best_epoch = 0;
    double best_valid_metric = std::numeric_limits<double>::infinity();  // energy MAE, meV/atom, by default
    bool stopped_early = false;
    ReductionStats reduction;  // under MPI: the gradient sums' cost on this rank (else empty)
};

template <class Model>
class ModelTrainer {
    static_assert(is_model_v<Model>, "ModelTrainer trains a model (nn/model.hpp)");
    using T = typename Model::Scalar;

public:
    std::function<void(int epoch, std::size_t batch, std::size_t n_batches, double loss)> on_batch;
    std::function<void(const EpochRecord&)> on_epoch;
    ModelBatchStep<Model> batch_step;   // replaces forward + loss + backward when set
    // Training on forces: items whose energy is a weak label (strategy 1), without DFT energy,
    // force or stress terms; the loss given to the constructor then covers them (added to L).
    const std::vector<char>* weak_items = nullptr;
    ModelValidator<Model> validator;    // replaces the energy MAE when set
    // Where the plain path computes gradients and validation predictions (train/gradient_backend.hpp:
    // a GPU); null: on the host model. Not with MPI or a custom batch step.
    std::shared_ptr<GradientBackend<Model>> gradients;
    static constexpr const char* kEnergyMetricName = "valid energy MAE (meV/atom)";
    std::string metric_name = kEnergyMetricName;
    // The ranks that share this training (parallel/communicator.hpp): for PreparedSets inactive
    // (one process, the plain path) unless the caller passes Communicator::world() under mpirun;
    // for ShardedSets, theirs.
    Communicator comm;

    ModelTrainer(Model& model, const PreparedSet& train, const PreparedSet& valid, TrainOptions opt,
                  BatchLoss loss = nullptr)
        : model_(model), train_(&train), valid_(&valid), opt_(std::move(opt)),
          custom_loss_(bool(loss)), loss_(loss ? std::move(loss) : energy_mse_loss(model, train)) {
        check(train.size(), valid.size());
    }
    // Data spread over the ranks of train.comm() (each rank holds a share): always the distributed path.
    ModelTrainer(Model& model, const ShardedSet& train, const ShardedSet& valid, TrainOptions opt,
                  BatchLoss loss = nullptr)
        : comm(train.comm()), model_(model), sharded_train_(&train), sharded_valid_(&valid), opt_(std::move(opt)),
          custom_loss_(bool(loss)), loss_(loss ? std::move(loss) : energy_mse_loss(model, train)) {
        check(train.size(), valid.size());
    }

    TrainResult run() {
        const Host host{opt_.threads};
        const std::size_t n_train = train_ ? train_->size() : sharded_train_->size();
        const std::size_t n_batches = (n_train + opt_.batch_size - 1) / opt_.batch_size;
        LrSchedule schedule(opt_.schedule, std::int64_t(n_batches) * opt_.epochs);
        Adam<T> adam(model_.params.data.size(), opt_.adam);
        BatchSampler sampler(n_train, opt_.batch_size, opt_.seed);
        TrainResult result;
        int start_epoch = 0, bad_epochs = 0;
        // A custom batch step (the strategies' classifier, whose batch normalisation needs the
        // statistics of the whole batch) is not split: every rank runs it on the whole batch (from
        // ShardedSets gathered, with every list), the same arithmetic on the same data, so every
        // rank holds the same weights (those of the plain path) and rank 0 writes them. On
        // ShardedSets it needs the caller's validation (validator): the default one reads a set
        // held whole.
        if (batch_step && !train_ && !validator)
            throw Error("a custom batch step on ShardedSets without a validator", "ModelTrainer",
                        "set ModelTrainer::validator");
        if (!train_ && (comm.size() != sharded_train_->comm().size() || comm.size() != sharded_valid_->comm().size()))
            throw Error(str("the trainer's communicator has ", comm.size(), " ranks, its sets' ",
                            sharded_train_->comm().size(), " and ", sharded_valid_->comm().size()),
                        "ModelTrainer", "use the sets' communicator");
        const bool writer = comm.root(), distributed = (comm.active() || !train_) && !batch_step;
        if (gradients && (distributed || batch_step))
            throw Error(distributed ? "a gradient backend with data spread over MPI ranks"
                                    : "a gradient backend with a custom batch step",
                        "ModelTrainer", "train on the host, or in one process with the default step");
        // the distributed step and validation read ShardedSets; sets held whole are wrapped
        std::optional<ShardedSet> wrapped_train, wrapped_valid;
        if (distributed && train_) {
            wrapped_train = ShardedSet::replicated(*train_, comm);
            wrapped_valid = ShardedSet::replicated(*valid_, comm);
        }
        const ShardedSet* dtrain = train_ ? (wrapped_train ? &*wrapped_train : nullptr) : sharded_train_;
        const ShardedSet* dvalid = valid_ ? (wrapped_valid ? &*wrapped_valid : nullptr) : sharded_valid_;
        // A run killed mid-write (SIGKILL cannot be caught) leaves its temporaries; this run owns
        // OUT, so it removes them before anything else: the CSV's, and checkpoint ones of dead
        // writers (write_checkpoint would remove those only at its next write, which a resumed
        // run that is already complete never makes). Under MPI only rank 0 writes (every rank
        // reads OUT.last to resume).
        std::error_code ec;
        if (writer) {
            std::filesystem::remove(csv_tmp_path(), ec);
            remove_stale_checkpoint_temporaries(opt_.out);
            remove_stale_checkpoint_temporaries(last_path());
        }
        if (opt_.resume) {
            start_epoch = restore(adam, sampler, schedule, result, bad_epochs);
            // the log may lag OUT.last by one epoch (killed between the two writes): rewrite it
            // from the log stored in OUT.last, which is the reference
            if (writer) write_csv(result.log);
        }

        if (gradients) gradients->load_weights(model_);  // (after a resume's restore)
        const bool on_forces = opt_.loss.uses_forces() && !batch_step;
        if (on_forces) {
            // (sharded sets: each rank checks the configurations it holds)
            std::vector<char> weak_held;  // weak_items of the configurations held here
            if (!train_ && weak_items) {
                weak_held.assign(sharded_train_->held().size(), 0);
                for (std::size_t i = 0; i < n_train; ++i)
                    if (sharded_train_->held_index(i) != ShardedSet::npos)
                        weak_held[sharded_train_->held_index(i)] = weak_items->at(i);
            }
            require_force_labels(train_ ? *train_ : sharded_train_->held(), opt_.loss.stress > 0, "the training set",
                                 train_ ? weak_items : (weak_items ? &weak_held : nullptr));
            require_force_labels(valid_ ? *valid_ : sharded_valid_->held(), opt_.loss.stress > 0, "the validation set");
            if (metric_name == kEnergyMetricName) metric_name = "valid loss (energy + forces + stress terms)";
        }
        EnergyForceStep<Model> force_step;
        DistributedStep<Model> distributed_step(comm);
        ParameterBuffer<T> grads(model_.layout);
        typename Model::Forward fw;
        typename Model::BackwardWork work;
        std::vector<double> energies, dL_dE;
        for (int epoch = start_epoch; epoch < opt_.epochs; ++epoch) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto batches = sampler.epoch();
            double loss_sum = 0;
            LossTerms terms_sum;
            double lr = 0;
            for (std::size_t b = 0; b < batches.size(); ++b) {
                // (distributed: each rank assembles its own configurations, not the whole batch)
                const GraphBatch batch = distributed ? GraphBatch{} : whole_batch(batches[b], host);
                grads.zero();
                const typename GradientBackend<Model>::EnergyLoss energy_loss =
                    [&](const std::vector<double>& e, std::vector<double>& d) { return loss_(batches[b], e, d); };
                double loss;
                if (distributed && on_forces) {
                    const LossTerms terms = distributed_step.forces(host, model_, *dtrain, batches[b], opt_.loss, grads,
                                                                    custom_loss_ ? loss_ : BatchLoss{}, weak_items);
                    terms_sum += terms;
                    loss = terms.total();
                } else if (distributed) {
                    loss = distributed_step.energy(host, model_, *dtrain, batches[b], loss_, grads);
                } else if (batch_step) {
                    loss = batch_step(host, model_, batch, batches[b], grads);
                } else if (on_forces) {
                    const BatchLabels labels =
                        batch_labels(*train_, batches[b], opt_.loss.forces > 0, opt_.loss.stress > 0, weak_items);
                    const LossTerms terms =
                        gradients ? gradients->force_gradients(batch, labels, opt_.loss, custom_loss_ ? energy_loss : nullptr,
                                                               grads)
                                  : force_step(host, model_, batch, labels, opt_.loss, grads,
                                               custom_loss_ ? loss_ : BatchLoss{}, batches[b]);
                    terms_sum += terms;
                    loss = terms.total();
                } else if (gradients) {
                    loss = gradients->energy_gradients(batch, energy_loss, grads);
                } else {
                    // the step every backend runs (train/batch_step.hpp), here on the host
                    model_.prepare_forward(batch, fw);
                    loss = energy_step_gradients(host, model_.weights(), batch, fw, work, grads.data, grads.views(),
                                                 energy_loss, energies, dL_dE);
                }
                if (!std::isfinite(loss))
                    throw Error(str("the loss became ", loss, " at epoch ", epoch + 1, ", batch ", b + 1, " of ",
                                    batches.size()),
                                "training",
                                str("lower the learning rate or check the labels; the last good checkpoint (",
                                    last_path().string(), ") is intact"));
                lr = schedule.lr(std::int64_t(epoch) * std::int64_t(n_batches) + std::int64_t(b));
                apply_update(host, span_of(model_.params.data), grads.flat(), opt_.clip_norm, adam, lr);
                if (gradients) gradients->load_weights(model_);
                loss_sum += loss;
                if (on_batch) on_batch(epoch + 1, b + 1, batches.size(), loss);
            }
            EpochRecord rec;
            rec.epoch = epoch + 1;
            rec.train_loss = loss_sum / double(batches.size());
            const double nb = double(batches.size());
            rec.train_terms = {terms_sum.energy / nb, terms_sum.forces / nb, terms_sum.stress / nb};
            if (validator) {
                rec.valid_metric = validator(host, model_);
            } else if (on_forces) {
                // (distributed: each rank evaluates the configurations it owns, one at a time)
                const EnergyForceMetrics m =
                    distributed ? energy_force_metrics(distributed_errors(model_, *dvalid, host, true), opt_.loss)
                                : energy_force_metrics(
                                      predict_energy_forces(model_, *valid_, host, opt_.batch_size, gradients.get()),
                                      *valid_, opt_.loss);
                rec.valid_mae_meV_per_atom = m.energy_mae_meV_per_atom;
                rec.valid_rmse_meV_per_atom = m.energy_rmse_meV_per_atom;
                rec.valid_force_mae_eV_per_A = m.force_mae_eV_per_A;
                rec.valid_force_rmse_eV_per_A = m.force_rmse_eV_per_A;
                rec.valid_stress_mae_GPa = m.stress_mae_GPa;
                rec.valid_metric = m.loss.total();
            } else {
                const EnergyMetrics m =
                    distributed ? energy_metrics(distributed_errors(model_, *dvalid, host, false))
                                : energy_metrics(
                                      predict_energies(model_, *valid_, host, opt_.batch_size, 0, gradients.get()),
                                      *valid_);
                rec.valid_mae_meV_per_atom = m.mae_meV_per_atom;
                rec.valid_rmse_meV_per_atom = m.rmse_meV_per_atom;
                rec.valid_mae_eV_per_config = m.mae_meV_per_config * 1e-3;
                rec.valid_metric = m.mae_meV_per_atom;
            }
            rec.lr = lr;
            rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            schedule.observe(rec.valid_metric);
            result.log.push_back(rec);
            const bool improved = rec.valid_metric < result.best_valid_metric;
            if (improved) {
                result.best_valid_metric = rec.valid_metric;
                result.best_epoch = rec.epoch;
                bad_epochs = 0;
                Checkpoint best;
                store_model(model_, best);
                best.ints["train.epoch"] = rec.epoch;
                best.arrays["train.valid_metric"] = {rec.valid_metric};
                best.strings["train.metric_name"] = metric_name;
                if (writer) write_checkpoint(opt_.out, best);
            } else {
                ++bad_epochs;
            }
            if (writer) {
                save_last(adam, sampler, schedule, result, bad_epochs);
                write_csv(result.log);
            }
            if (on_epoch) on_epoch(rec);
            if (opt_.early_stopping_patience > 0 && bad_epochs >= opt_.early_stopping_patience) {
                result.stopped_early = true;
                break;
            }
        }
        result.reduction = distributed_step.stats();
        comm.barrier();  // what rank 0 wrote (OUT, OUT.last, the log) is complete for every rank to read
        return result;
    }

    std::filesystem::path last_path() const { return opt_.out.string() + ".last"; }
    std::filesystem::path csv_path() const { return opt_.out.string() + ".log.csv"; }

private:
    // The batch's configurations with every neighbour list (from ShardedSets: gathered).
    GraphBatch whole_batch(const std::vector<std::size_t>& items, const Host& host) const {
        if (train_) return train_->batch(items);
        std::vector<std::size_t> positions(items.size());
        for (std::size_t k = 0; k < items.size(); ++k) positions[k] = k;
        return sharded_train_->gather(items, 0, items.size(), host).batch(positions);
    }

    void save_last(const Adam<T>& adam, const BatchSampler& sampler, const LrSchedule& schedule,
                   const TrainResult& result, int bad_epochs) const {
        Checkpoint c;
        store_model(model_, c);
        c.ints["train.epoch"] = result.log.empty() ? 0 : result.log.back().epoch;
        c.ints["train.adam_step"] = adam.step_count();
        c.arrays["train.adam_m"] = std::vector<double>(adam.first_moment().begin(), adam.first_moment().end());
        c.arrays["train.adam_v"] = std::vector<double>(adam.second_moment().begin(), adam.second_moment().end());
        c.strings["train.sampler_rng"] = sampler.rng_state();
        c.arrays["train.plateau"] = {schedule.plateau_lr(), schedule.plateau_best(), double(schedule.plateau_bad_epochs())};
        c.ints["train.best_epoch"] = result.best_epoch;
        c.arrays["train.best_valid_metric"] = {result.best_valid_metric};
        c.ints["train.bad_epochs"] = bad_epochs;
        c.ints["train.total_epochs"] = opt_.epochs;
        std::vector<double> log;
        for (const EpochRecord& r : result.log)
            log.insert(log.end(), {double(r.epoch), r.train_loss, r.valid_metric, r.valid_mae_meV_per_atom,
                                   r.valid_rmse_meV_per_atom, r.valid_mae_eV_per_config, r.lr, r.seconds});
        c.arrays["train.log"] = log;
        std::vector<double> terms;
        for (const EpochRecord& r : result.log)
            terms.insert(terms.end(), {r.train_terms.energy, r.train_terms.forces, r.train_terms.stress,
                                       r.valid_force_mae_eV_per_A, r.valid_force_rmse_eV_per_A, r.valid_stress_mae_GPa});
        c.arrays["train.log_force_terms"] = terms;
        write_checkpoint(last_path(), c);
    }

    int restore(Adam<T>& adam, BatchSampler& sampler, LrSchedule& schedule, TrainResult& result, int& bad_epochs) {
        const std::string file = last_path().string();
        const Checkpoint c = read_checkpoint(last_path());
        load_model(c, model_, file);
        const auto& m = c.get_array("train.adam_m", file);
        const auto& v = c.get_array("train.adam_v", file);
        adam.restore(c.get_int("train.adam_step", file), std::vector<T>(m.begin(), m.end()), std::vector<T>(v.begin(), v.end()));
        sampler.restore_rng_state(c.get_string("train.sampler_rng", file));
        const auto& pl = c.get_array("train.plateau", file);
        schedule.restore_plateau(pl.at(0), pl.at(1), int(pl.at(2)));
        result.best_epoch = int(c.get_int("train.best_epoch", file));
        result.best_valid_metric = c.get_array("train.best_valid_metric", file).at(0);
        bad_epochs = int(c.get_int("train.bad_epochs", file));
        const auto& log = c.get_array("train.log", file);
        for (std::size_t k = 0; k + 8 <= log.size(); k += 8) {
            EpochRecord r;
            r.epoch = int(log[k]);
            r.train_loss = log[k + 1];
            r.valid_metric = log[k + 2];
            r.valid_mae_meV_per_atom = log[k + 3];
            r.valid_rmse_meV_per_atom = log[k + 4];
            r.valid_mae_eV_per_config = log[k + 5];
            r.lr = log[k + 6];
            r.seconds = log[k + 7];
            result.log.push_back(r);
        }
        // the force-training columns (absent in logs written before they existed: zero)
        if (const auto it = c.arrays.find("train.log_force_terms"); it != c.arrays.end())
            for (std::size_t r = 0; r < result.log.size() && 6 * r + 6 <= it->second.size(); ++r) {
                const double* t = it->second.data() + 6 * r;
                result.log[r].train_terms = {t[0], t[1], t[2]};
                result.log[r].valid_force_mae_eV_per_A = t[3];
                result.log[r].valid_force_rmse_eV_per_A = t[4];
                result.log[r].valid_stress_mae_GPa = t[5];
            }
        return int(c.get_int("train.epoch", file));
    }

    std::filesystem::path csv_tmp_path() const { return csv_path().string() + ".tmp"; }

    // Written to a temporary and renamed, so OUT.log.csv is always a whole log; a kill between
    // the two leaves the temporary, which the next run removes (run()).
    void write_csv(const std::vector<EpochRecord>& log) const {
        const std::filesystem::path tmp = csv_tmp_path();
        {
            std::ofstream f(tmp);
            f.precision(10);
            // seconds (wall clock, the one column that varies between identical runs) stays last
            f << "epoch,train_loss,valid_metric,valid_mae_meV_per_atom,valid_rmse_meV_per_atom,valid_mae_eV_per_config,lr,"
                 "train_energy_term,train_force_term,train_stress_term,valid_force_mae_eV_per_A,"
                 "valid_force_rmse_eV_per_A,valid_stress_mae_GPa,seconds\n";
            for (const EpochRecord& r : log)
                f << r.epoch << ',' << r.train_loss << ',' << r.valid_metric << ',' << r.valid_mae_meV_per_atom << ',' << r.valid_rmse_meV_per_atom
                  << ',' << r.valid_mae_eV_per_config << ',' << r.lr << ',' << r.train_terms.energy
                  << ',' << r.train_terms.forces << ',' << r.train_terms.stress << ',' << r.valid_force_mae_eV_per_A
                  << ',' << r.valid_force_rmse_eV_per_A << ',' << r.valid_stress_mae_GPa << ',' << r.seconds << '\n';
            f.close();
            if (!f) {
                std::error_code ec;
                std::filesystem::remove(tmp, ec);
                throw Error("could not write the training log", tmp.string(),
                            str("check free disk space; the checkpoints ", opt_.out.string(), " and ", last_path().string(),
                                " are intact"));
            }
        }
        std::error_code ec;
        std::filesystem::rename(tmp, csv_path(), ec);
        if (ec) {
            const std::string why = ec.message();
            std::filesystem::remove(tmp, ec);
            throw Error("could not move the training log into place: " + why, csv_path().string());
        }
    }

    void check(std::size_t n_train, std::size_t n_valid) const {
        if (n_train == 0) throw Error("the training set is empty", "ModelTrainer", "give training data");
        if (n_valid == 0) throw Error("the validation set is empty", "ModelTrainer", "give validation data or a split");
        if (opt_.epochs < 1) throw Error(str("epochs must be at least 1, got ", opt_.epochs), "ModelTrainer");
        if (opt_.out.empty()) throw Error("no output path for checkpoints", "ModelTrainer", "pass --out");
    }

    Model& model_;
    const PreparedSet* train_ = nullptr;  // every configuration here (the plain path, or MPI with
    const PreparedSet* valid_ = nullptr;  // every rank holding the whole set)
    const ShardedSet* sharded_train_ = nullptr;  // or: each rank holds a share
    const ShardedSet* sharded_valid_ = nullptr;
    TrainOptions opt_;
    bool custom_loss_ = false;
    BatchLoss loss_;
};

}  // namespace eipnn
