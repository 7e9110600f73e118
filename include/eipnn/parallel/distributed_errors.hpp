// Validation spread over the ranks: each rank evaluates the configurations it owns in a
// ShardedSet (parallel/sharded_set.hpp), one per evaluation batch, so that a configuration's
// prediction is the same whichever rank computes it, and compares them with the labels it holds
// (ConfigErrors, train/force_training.hpp). The errors, a few numbers per configuration, are
// gathered and put in set order on every rank, where the metrics sum them; the metrics, which pick
// the best checkpoint and drive the plateau schedule, are therefore the same for any number of
// ranks, and no rank needs the labels of configurations it does not hold.
#pragma once
#include <vector>

#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/force_training.hpp"

namespace eipnn {

// Every configuration's errors, in set order, on every rank: energies (head 0), and with
// `with_forces` forces and stresses too.
template <class Model>
std::vector<ConfigErrors> distributed_errors(const Model& model, const ShardedSet& set, const Host& host,
                                             bool with_forces) {
    const PreparedSet& held = set.held();
    std::vector<double> local;
    typename Model::Forward fw;
    EnergyForces<typename Model::Scalar> ef;
    std::vector<double> forces;
    std::array<double, 9> stress{};
    for (std::size_t i : set.owned()) {
        const std::size_t h = set.held_index(i);
        const GraphBatch batch = held.batch({h});
        if (!with_forces) {
            model.forward(host, batch, fw);
            config_errors(held, h, fw.energies[0], {}, nullptr).pack(local);
            continue;
        }
        model.energy_forces(host, batch, fw, ef);
        forces.assign(ef.forces.begin(), ef.forces.end());
        const double V = cell_volume(batch.lattices[0]);
        for (std::size_t c = 0; c < 9; ++c) stress[c] = -double(ef.virial[c]) / V;
        config_errors(held, h, ef.energies[0], forces, &stress).pack(local);
    }
    const std::vector<double> all = set.comm().allgather(local);
    const std::vector<std::size_t> order = set.owner_order();
    if (all.size() != order.size() * ConfigErrors::kDoubles)
        throw Error(str("gathered ", all.size(), " numbers for ", order.size(), " configurations"),
                    "distributed_errors", "report this as a bug");
    std::vector<ConfigErrors> out(set.size());
    for (std::size_t k = 0; k < order.size(); ++k) out[order[k]] = ConfigErrors::unpack(all.data() + k * ConfigErrors::kDoubles);
    return out;
}

}  // namespace eipnn
