// Every configuration of a set evaluated by each EIP of a pool. A configuration an EIP cannot
// handle (element missing, atoms overlapping, a non-finite result) gets NaN for that EIP and is
// counted, so it is masked downstream rather than silently wrong.
#pragma once
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/parallel/communicator.hpp"
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
// force labels. set_index (optional): the configurations' indices in their set, for the report.
inline EipEnergies label_with_eips(const std::vector<NamedPotential>& pool, const std::vector<Structure>& structures,
                                   const Host& host, EipLabelReport* report = nullptr, bool with_forces = false,
                                   const std::vector<std::size_t>* set_index = nullptr) {
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
                        report->first_failure =
                            str(pool[k].name, " on configuration ", set_index ? set_index->at(c) : c, ": ", errors[c * K + k]);
                }
    return out;
}

// Spread over the ranks of `comm`: each rank labels the configurations it holds (`held`, at set
// indices `held_at`), and every rank gets every configuration's energies (K numbers each; forces
// stay with the rank that holds the configuration). n_atoms: of every configuration. The report
// counts the failures on all ranks; its message is this rank's first, or says where to look.
inline EipEnergies label_with_eips(const std::vector<NamedPotential>& pool, const std::vector<Structure>& held,
                                   const std::vector<std::size_t>& held_at, const std::vector<int>& n_atoms,
                                   const Communicator& comm, const Host& host, EipLabelReport* report = nullptr,
                                   bool with_forces = false) {
    if (held.size() != held_at.size())
        throw Error(str(held.size(), " structures with ", held_at.size(), " set indices"), "label_with_eips",
                    "report this as a bug");
    EipLabelReport mine;
    EipEnergies local = label_with_eips(pool, held, host, &mine, with_forces, &held_at);
    const std::size_t K = pool.size(), n = n_atoms.size();
    std::vector<double> packed;  // per held configuration: its set index, then its K energies
    for (std::size_t h = 0; h < held.size(); ++h) {
        packed.push_back(double(held_at[h]));
        for (std::size_t k = 0; k < K; ++k) packed.push_back(local.at(h, k));
    }
    const std::vector<double> all = comm.allgather(packed);
    if (all.size() != n * (K + 1))
        throw Error(str("the ranks labelled ", all.size() / (K + 1), " configurations of ", n), "label_with_eips",
                    "every rank must hold a share of the same set");
    EipEnergies out;
    out.names = local.names;
    out.n_atoms = n_atoms;
    out.energies.assign(n * K, std::nan(""));
    std::vector<char> seen(n, 0);
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t i = std::size_t(all[r * (K + 1)]);
        if (i >= n || seen[i]++)
            throw Error(str("the ranks labelled configuration ", i, " of ", n, " twice or out of range"), "label_with_eips",
                        "every rank must hold a disjoint share of the same set");
        std::copy_n(all.begin() + std::ptrdiff_t(r * (K + 1) + 1), K, out.energies.begin() + std::ptrdiff_t(i * K));
    }
    if (with_forces) {
        out.forces.resize(n * K);
        for (std::size_t h = 0; h < held.size(); ++h)
            for (std::size_t k = 0; k < K; ++k) out.forces[held_at[h] * K + k] = std::move(local.forces[h * K + k]);
    }
    if (report) {
        const std::vector<double> counts = comm.allgather(std::vector<double>(mine.failures.begin(), mine.failures.end()));
        report->failures.assign(K, 0);
        for (std::size_t q = 0; q < counts.size(); ++q) report->failures[q % K] += std::size_t(counts[q]);
        std::size_t total = 0;
        for (std::size_t f : report->failures) total += f;
        report->first_failure = !mine.first_failure.empty() ? mine.first_failure : total ? "(on another rank)" : "";
    }
    return out;
}

}  // namespace eipnn
