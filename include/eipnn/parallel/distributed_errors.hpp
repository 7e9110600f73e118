// Validation spread over the ranks: each rank evaluates the configurations it owns in a
// ShardedSet (parallel/sharded_set.hpp), one per evaluation batch, so that a configuration's
// prediction is the same whichever rank computes it, and compares them with the labels it holds
// (ConfigErrors, train/force_training.hpp). The errors, a few numbers per configuration, are
// gathered and put in set order on every rank (ShardedSet::map_owned), where the metrics sum
// them; the metrics, which pick the best checkpoint and drive the plateau schedule, are therefore
// the same for any number of ranks, and no rank needs the labels of configurations it does not
// hold.
#pragma once
#include <array>
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
    typename Model::Forward fw;
    EnergyForces<typename Model::Scalar> ef;
    std::vector<double> forces;
    std::array<double, 9> stress{};
    const std::vector<double> all = set.map_owned(ConfigErrors::kDoubles, [&](std::size_t, std::size_t h,
                                                                              std::vector<double>& out) {
        const GraphBatch batch = held.batch({h});
        if (!with_forces) {
            model.forward(host, batch, fw);
            config_errors(held, h, fw.energies[0], {}, nullptr).pack(out);
            return;
        }
        model.energy_forces(host, batch, fw, ef);
        forces.assign(ef.forces.begin(), ef.forces.end());
        const double V = cell_volume(batch.lattices[0]);
        for (std::size_t c = 0; c < 9; ++c) stress[c] = -double(ef.virial[c]) / V;
        config_errors(held, h, ef.energies[0], forces, &stress).pack(out);
    });
    std::vector<ConfigErrors> out(set.size());
    for (std::size_t i = 0; i < set.size(); ++i) out[i] = ConfigErrors::unpack(all.data() + i * ConfigErrors::kDoubles);
    return out;
}

}  // namespace eipnn
