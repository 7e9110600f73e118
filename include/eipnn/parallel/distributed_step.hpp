// One training step of a batch spread over the ranks of a Communicator, with a result that is
// bit-identical for any number of ranks (MPI data parallelism, issue 18).
//
// The gradient of a batch is defined here as the exact sum (parallel/exact_sum.hpp) of the
// gradients of its units, one unit per configuration, each computed by its own forward and
// backward. The loss, however, is that of the whole batch: every rank gathers the predictions of
// all units (energies; with forces also forces and virials, a few numbers per atom), evaluates
// the same loss function the single-process trainer uses on them — so means over configurations,
// atoms and the batch-wide Tukey scale are batch-wide — and back-propagates only its own units'
// slices of dL/dE, dL/dF, dL/dW. Each unit's arithmetic involves that configuration alone, and the
// sum is exact, so the split over ranks (partition.hpp) cannot change a bit.
//
// The batch's configurations come from a ShardedSet (parallel/sharded_set.hpp): gathered from the
// ranks that hold them, with neighbour lists built only for this rank's units.
//
// This is a different arithmetic from the single-process trainer (one forward/backward over the
// whole batch, float sums in a fixed order): the MPI path with N = 1 agrees with it to rounding,
// not bit for bit. The plain path is untouched; the trainer takes this one when the Communicator
// is active (started under mpirun) or when it is built on ShardedSets, unless a custom batch step
// replaces it (the classifier: whole batches on every rank), so N = 1, 2, 3 under mpirun are
// identical.
#pragma once
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "eipnn/nn/model.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/second_order.hpp"
#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/exact_sum.hpp"
#include "eipnn/parallel/partition.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/force_loss.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

// Where the time of the gradient sums goes (bench/compare mpi), as this rank saw it: per optimizer
// step, the wait at a barrier for the slowest rank (load imbalance: its units took longer), then
// the reduction proper (scales by MPI_MAX, fixed-point conversion, MPI_Allreduce of one int64 per
// parameter). The barrier costs one latency per step and makes the second figure the
// reduction's own cost rather than the imbalance's.
struct ReductionStats {
    std::size_t steps = 0;
    std::size_t bytes_per_step = 0;  // the int64 buffer each rank contributes to MPI_Allreduce
    double wait_seconds = 0;
    double reduce_seconds = 0;
};

template <class Model>
class DistributedStep {
    static_assert(is_model_v<Model>, "DistributedStep trains a model (nn/model.hpp)");
    using T = typename Model::Scalar;

public:
    // (items, predicted (n_graphs, n_heads), dL_dE out) -> loss: the trainer's BatchLoss
    using EnergyLoss = std::function<double(const std::vector<std::size_t>&, const std::vector<double>&,
                                            std::vector<double>&)>;

    explicit DistributedStep(Communicator comm) : comm_(comm) {}

    // Energy-only training: returns the batch loss and writes the summed gradient into grads
    // (not finite: grads untouched, the caller stops).
    double energy(const Host& host, const Model& model, const ShardedSet& set, const std::vector<std::size_t>& items,
                  const EnergyLoss& loss_fn, ParameterBuffer<T>& grads) {
        const std::size_t K = std::size_t(model.config.n_heads);
        spread(host, set, items);
        std::vector<double> local;
        for (std::size_t u = mine_begin_; u < mine_end_; ++u) {
            Unit& unit = units_[u - mine_begin_];
            model.forward(host, unit.batch, unit.fw);
            local.insert(local.end(), unit.fw.energies.begin(), unit.fw.energies.begin() + std::ptrdiff_t(K));
        }
        const std::vector<double> predicted = comm_.allgather(local);  // (n_graphs, K) in batch order
        const double loss = loss_fn(items, predicted, dL_dE_);
        if (!std::isfinite(loss)) return loss;
        sum_gradients(model, grads, [&](Unit& unit, std::size_t u, ParameterBuffer<T>& g) {
            model.backward(host, unit.batch, unit.fw, Span<const double>{dL_dE_.data() + u * K, index_t(K)}, &g,
                           nullptr);
        });
        return loss;
    }

    // Training on forces (and stresses): the distributed twin of EnergyForceStep (force_training.hpp).
    // `weak` (optional, one entry per configuration of the set): items with weak energy labels only.
    LossTerms forces(const Host& host, const Model& model, const ShardedSet& set, const std::vector<std::size_t>& items,
                     const LossWeights& w, ParameterBuffer<T>& grads, const EnergyLoss& extra = nullptr,
                     const std::vector<char>* weak = nullptr) {
        const std::size_t K = std::size_t(model.config.n_heads);
        spread(host, set, items);
        // per unit: K energies, 9 virial components, 3 n forces (T -> double is exact)
        std::vector<double> local;
        for (std::size_t u = mine_begin_; u < mine_end_; ++u) {
            Unit& unit = units_[u - mine_begin_];
            model.forward(host, unit.batch, unit.fw);
            model.force_backward(host, unit.batch, unit.fw, unit.adj, dE_dvec_);
            unit.pred.energies.assign(1, unit.fw.energies[0]);
            forces_from_edge_gradients(host, unit.batch, dE_dvec_, unit.pred);
            local.insert(local.end(), unit.fw.energies.begin(), unit.fw.energies.begin() + std::ptrdiff_t(K));
            local.insert(local.end(), unit.pred.virial.begin(), unit.pred.virial.end());
            local.insert(local.end(), unit.pred.forces.begin(), unit.pred.forces.end());
        }
        const std::vector<double> all = comm_.allgather(local);
        std::vector<std::size_t> positions(items.size());
        for (std::size_t k = 0; k < items.size(); ++k) positions[k] = k;
        std::vector<char> weak_of_batch;
        if (weak)
            for (std::size_t i : items) weak_of_batch.push_back(weak->at(i));
        const BatchLabels labels =
            batch_labels(batch_, positions, w.forces > 0, w.stress > 0, weak ? &weak_of_batch : nullptr);
        const GraphBatch whole = batch_.batch(positions);  // (only this rank's units have edges)
        EnergyForces<T> pred;
        std::vector<double> heads;  // (n_graphs, K)
        std::size_t at = 0;
        for (std::size_t g = 0; g < items.size(); ++g) {
            const std::size_t n3 = 3 * std::size_t(whole.atom_offsets[g + 1] - whole.atom_offsets[g]);
            heads.insert(heads.end(), all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + K));
            pred.energies.push_back(all[at]);
            at += K;
            for (std::size_t c = 0; c < 9; ++c) pred.virial.push_back(T(all[at + c]));
            at += 9;
            for (std::size_t c = 0; c < n3; ++c) pred.forces.push_back(T(all[at + c]));
            at += n3;
        }
        LossTerms terms = energy_force_loss(whole, pred, labels, w, index_t(K), dL_dE_, dL_dF_, dL_dW_);
        if (extra) {
            terms.energy += extra(items, heads, dL_dE_extra_);
            for (std::size_t k = 0; k < dL_dE_.size(); ++k) dL_dE_[k] += dL_dE_extra_[k];
        }
        if (!std::isfinite(terms.total())) return terms;
        sum_gradients(model, grads, [&](Unit& unit, std::size_t u, ParameterBuffer<T>& g) {
            const std::size_t a0 = std::size_t(whole.atom_offsets[u]), n = std::size_t(unit.batch.n_atoms());
            const MatrixView<const T> none{};
            const MatrixView<const T> dF = dL_dF_.empty() ? none : MatrixView<const T>{dL_dF_.data() + 3 * a0, index_t(n), 3};
            const MatrixView<const T> dW = dL_dW_.empty() ? none : MatrixView<const T>{dL_dW_.data() + 9 * u, 1, 9};
            u_.resize(3 * std::size_t(unit.batch.n_edges()));
            for_each(host, unit.batch.n_edges(),
                     EdgeGradientCotangent<T>{span_of(unit.batch.centers), span_of(unit.batch.neighbors),
                                              span_of(unit.batch.graph_of_atom), matrix_of(unit.batch.vectors, 3), dF, dW,
                                              matrix_of(u_, 3)});
            model.backward_second(host, unit.batch, unit.fw, unit.adj, Span<const double>{dL_dE_.data() + u * K, index_t(K)},
                                  matrix_of(std::as_const(u_), 3), g);
        });
        return terms;
    }

    const ReductionStats& stats() const { return stats_; }

private:
    struct Unit {
        GraphBatch batch;
        typename Model::Forward fw;
        typename Model::ForceAdjoints adj;
        EnergyForces<T> pred;
    };

    // This rank's units of the batch: a contiguous run of configurations balanced by atoms + edges;
    // the batch gathered from the ranks that hold it.
    void spread(const Host& host, const ShardedSet& set, const std::vector<std::size_t>& items) {
        std::vector<double> cost;
        for (std::size_t i : items) cost.push_back(set.info.at(i).cost());
        const std::vector<std::size_t> begin = partition_by_cost(cost, comm_.size());
        mine_begin_ = begin[std::size_t(comm_.rank())];
        mine_end_ = begin[std::size_t(comm_.rank()) + 1];
        n_units_ = items.size();
        batch_ = set.gather(items, mine_begin_, mine_end_, host);
        // kept from step to step (not cleared): each unit's forward and adjoint buffers are reused
        units_.resize(mine_end_ - mine_begin_);
        for (std::size_t u = mine_begin_; u < mine_end_; ++u) units_[u - mine_begin_].batch = batch_.batch({u});
    }

    // grads = exact sum over all ranks of backward(unit) for every unit of the batch.
    template <class Backward>
    void sum_gradients(const Model& model, ParameterBuffer<T>& grads, Backward&& backward) {
        if (!sum_) {
            std::vector<std::pair<std::size_t, std::size_t>> ranges;  // one scale per parameter tensor
            for (const ParameterEntry& e : model.layout.entries())
                ranges.push_back({std::size_t(e.offset), std::size_t(e.offset + e.rows * e.cols)});
            sum_ = std::make_unique<ExactUnitSum<T>>(grads.data.size(), std::move(ranges));
        }
        sum_->clear();
        ParameterBuffer<T> g(model.layout);
        for (std::size_t u = mine_begin_; u < mine_end_; ++u) {
            // the backward accumulates straight into the sum's zeroed buffer for this unit
            std::vector<T>& slot = sum_->next_unit();
            g.data.swap(slot);
            backward(units_[u - mine_begin_], u, g);
            g.data.swap(slot);
            sum_->seal_unit();
        }
        using Clock = std::chrono::steady_clock;
        const Clock::time_point t0 = Clock::now();
        comm_.barrier();
        const Clock::time_point t1 = Clock::now();
        sum_->reduce(comm_, n_units_, grads.data);
        const Clock::time_point t2 = Clock::now();
        stats_.steps += 1;
        stats_.bytes_per_step = grads.data.size() * sizeof(std::int64_t);
        stats_.wait_seconds += std::chrono::duration<double>(t1 - t0).count();
        stats_.reduce_seconds += std::chrono::duration<double>(t2 - t1).count();
    }

    Communicator comm_;
    PreparedSet batch_;  // the step's configurations (set.gather)
    std::vector<Unit> units_;
    std::size_t mine_begin_ = 0, mine_end_ = 0, n_units_ = 0;
    std::unique_ptr<ExactUnitSum<T>> sum_;
    ReductionStats stats_;
    std::vector<T> dE_dvec_, dL_dF_, dL_dW_, u_;
    std::vector<double> dL_dE_, dL_dE_extra_;
};

}  // namespace eipnn
