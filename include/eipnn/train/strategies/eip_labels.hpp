// Every configuration of a set evaluated by each EIP of a pool. A configuration an EIP cannot
// handle (element missing, atoms overlapping, a non-finite result) gets NaN for that EIP and is
// counted, so it is masked downstream rather than silently wrong.
#pragma once
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/train/strategies/eip_alignment.hpp"

namespace eipnn {

struct NamedPotential {
    std::string name;
    std::shared_ptr<const Potential> potential;
};

struct EipLabelReport {
    std::vector<std::size_t> failures;  // per EIP: configurations it could not evaluate
    std::string first_failure;          // the first message, for the log
};

// with_forces: also each EIP's forces (EipEnergies::forces; empty where the EIP failed), for weak
// force labels.
inline EipEnergies label_with_eips(const std::vector<NamedPotential>& pool, const std::vector<Structure>& structures,
                                   const Host& host, EipLabelReport* report = nullptr, bool with_forces = false) {
    EipEnergies out;
    for (const auto& p : pool) out.names.push_back(p.name);
    const std::size_t K = pool.size();
    out.energies.assign(structures.size() * K, std::nan(""));
    if (with_forces) out.forces.resize(structures.size() * K);
    for (const Structure& s : structures) out.n_atoms.push_back(int(s.size()));
    if (report) report->failures.assign(K, 0);
    // one configuration per thread: structures are small, EIP kernels then run serially inside
    std::vector<std::string> errors(structures.size() * K);
    for_each_task(host, index_t(structures.size()), [&](index_t c) {
        NeighborList nl;
        EipResult<double> r;
        for (std::size_t k = 0; k < K; ++k) {
            try {
                rebuild_neighbor_list(nl, structures[std::size_t(c)], pool[k].potential->cutoff());
                pool[k].potential->compute(structures[std::size_t(c)], nl, Host{1}, r);
                bool finite = std::isfinite(r.energy);
                for (std::size_t q = 0; with_forces && finite && q < r.forces.size(); ++q) finite = std::isfinite(r.forces[q]);
                if (finite) {
                    out.energies[std::size_t(c) * K + k] = r.energy;
                    if (with_forces) out.forces[std::size_t(c) * K + k].assign(r.forces.begin(), r.forces.end());
                } else {
                    errors[std::size_t(c) * K + k] = str("non-finite energy or forces (energy ", r.energy, ")");
                }
            } catch (const std::exception& e) {
                errors[std::size_t(c) * K + k] = e.what();
            }
        }
    });
    if (report)
        for (std::size_t c = 0; c < structures.size(); ++c)
            for (std::size_t k = 0; k < K; ++k)
                if (!errors[c * K + k].empty()) {
                    ++report->failures[k];
                    if (report->first_failure.empty())
                        report->first_failure = str(pool[k].name, " on configuration ", c, ": ", errors[c * K + k]);
                }
    return out;
}

}  // namespace eipnn
