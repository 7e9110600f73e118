// Predictions over a whole set (validation) spread over the ranks: the evaluation batches are
// those of predict_energies / predict_energy_forces (consecutive runs of batch_size configurations,
// fixed whatever N), each rank evaluates a contiguous run of batches balanced by atoms + edges,
// and the predictions are gathered in set order on every rank. A batch is computed exactly as
// the single-process functions compute it, so the metrics — which pick the best checkpoint and
// drive the plateau schedule — are the same for any number of ranks.
#pragma once
#include <algorithm>
#include <vector>

#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/partition.hpp"
#include "eipnn/train/force_training.hpp"

namespace eipnn {

namespace detail {

// The evaluation batches [first, last) of this rank.
inline std::pair<std::size_t, std::size_t> my_batches(const Communicator& comm, const PreparedSet& set,
                                                      std::size_t batch_size) {
    std::vector<double> cost;
    for (std::size_t b = 0; b < set.size(); b += batch_size) {
        double c = 0;
        for (std::size_t i = b; i < std::min(set.size(), b + batch_size); ++i)
            c += double(set.structures[i].size()) + double(set.lists[i].centers.size());
        cost.push_back(c);
    }
    const std::vector<std::size_t> begin = partition_by_cost(cost, comm.size());
    return {begin[std::size_t(comm.rank())], begin[std::size_t(comm.rank()) + 1]};
}

inline std::vector<std::size_t> batch_items(std::size_t b, std::size_t batch_size, std::size_t n) {
    std::vector<std::size_t> items;
    for (std::size_t i = b * batch_size; i < std::min(n, (b + 1) * batch_size); ++i) items.push_back(i);
    return items;
}

}  // namespace detail

template <class Model>
std::vector<double> distributed_predict_energies(const Communicator& comm, const Model& model, const PreparedSet& set,
                                                 const Host& host, std::size_t batch_size = 32, index_t head = 0) {
    const auto [first, last] = detail::my_batches(comm, set, batch_size);
    std::vector<double> local;
    typename Model::Forward fw;
    for (std::size_t b = first; b < last; ++b) {
        const std::vector<std::size_t> items = detail::batch_items(b, batch_size, set.size());
        model.forward(host, set.batch(items), fw);
        for (std::size_t k = 0; k < items.size(); ++k)
            local.push_back(fw.energies[k * std::size_t(model.config.n_heads) + std::size_t(head)]);
    }
    return comm.allgather(local);  // contiguous runs in rank order: set order
}

template <class Model>
EnergyForcePredictions distributed_predict_energy_forces(const Communicator& comm, const Model& model,
                                                         const PreparedSet& set, const Host& host,
                                                         std::size_t batch_size = 32) {
    const auto [first, last] = detail::my_batches(comm, set, batch_size);
    // per configuration: energy, 9 stress components, 3 n forces
    std::vector<double> local;
    typename Model::Forward fw;
    EnergyForces<typename Model::Scalar> ef;
    for (std::size_t b = first; b < last; ++b) {
        const std::vector<std::size_t> items = detail::batch_items(b, batch_size, set.size());
        const GraphBatch batch = set.batch(items);
        model.energy_forces(host, batch, fw, ef);
        for (std::size_t k = 0; k < items.size(); ++k) {
            local.push_back(ef.energies[k]);
            const double V = cell_volume(batch.lattices[k]);
            for (std::size_t c = 0; c < 9; ++c) local.push_back(-double(ef.virial[9 * k + c]) / V);
            local.insert(local.end(), ef.forces.begin() + 3 * batch.atom_offsets[k],
                         ef.forces.begin() + 3 * batch.atom_offsets[k + 1]);
        }
    }
    const std::vector<double> all = comm.allgather(local);
    EnergyForcePredictions out;
    out.energies.resize(set.size());
    out.forces.resize(set.size());
    out.stress.resize(set.size());
    std::size_t at = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        out.energies[i] = all.at(at++);
        for (std::size_t c = 0; c < 9; ++c) out.stress[i][c] = all.at(at++);
        const std::size_t n3 = 3 * std::size_t(set.structures[i].size());
        out.forces[i].assign(all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + n3));
        at += n3;
    }
    return out;
}

}  // namespace eipnn
