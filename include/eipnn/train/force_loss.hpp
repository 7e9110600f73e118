// The loss of training on energies, forces and stresses, and its gradients with respect to the
// predictions (the model's second backward, nn/second_order.hpp, takes them from there):
//   L = w_E mean over configurations of ((E - E_dft) / N)^2          (eV/atom)^2
//     + w_F mean over atoms and components of (F - F_dft)^2          (eV/Å)^2
//     + w_S mean over configurations with a stress label and over the 9 components of
//       (sigma - sigma_dft)^2,  sigma = -W / V  (eV/Å^3; W the virial, V the cell volume)
//     + w_weak_F mean over the weak items' force components of Tukey((F_eip - F) / s)
//       (strategy 1 with EIP forces: s = 1.4826 MAD of the batch's weak force residuals, as the
//       weak energy term, train/losses.hpp)
// Stress labels: train/stress_labels.hpp (mlearn's virial_stress_kbar, converted). With w_F = w_S
// = 0 the trainer keeps its energy-only path (train/energy_trainer.hpp), so nothing changes there.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/train/losses.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

struct LossWeights {
    double energy = 1.0;  // w_E, 1/(eV/atom)^2
    double forces = 0.0;  // w_F, 1/(eV/Å)^2
    double stress = 0.0;  // w_S, 1/(eV/Å^3)^2
    double weak_forces = 0.0;  // Tukey weight of weak (EIP) force labels; set by the strategies
    bool uses_forces() const { return forces > 0 || stress > 0; }
};

// The weighted terms of L (their sum is the loss).
struct LossTerms {
    double energy = 0, forces = 0, stress = 0;
    double total() const { return energy + forces + stress; }
    LossTerms& operator+=(const LossTerms& o) {
        energy += o.energy;
        forces += o.forces;
        stress += o.stress;
        return *this;
    }
};

// The labels of a batch's configurations, in batch order. A graph that is not `labelled` (a weak
// label of strategy 1: its energy comes from an EIP, and another loss term covers it) has no
// energy, force or stress term here.
struct BatchLabels {
    std::vector<double> energies;           // (n_graphs) eV
    std::vector<double> forces;             // (n_atoms, 3) eV/Å, empty when not needed (zeros for unlabelled graphs)
    std::vector<double> stress;             // (n_graphs, 9) eV/Å^3, rows of unlabelled graphs unused
    std::vector<char> has_stress;           // (n_graphs)
    std::vector<char> labelled;             // (n_graphs)
    std::vector<char> weak_forces;          // (n_graphs) an unlabelled graph whose `forces` are an EIP's
};

// `weak` (optional, one entry per item of the set): items without DFT labels.
inline BatchLabels batch_labels(const PreparedSet& set, const std::vector<std::size_t>& items, bool with_forces,
                                bool with_stress, const std::vector<char>* weak = nullptr) {
    BatchLabels b;
    for (std::size_t i : items) {
        const bool labelled = !weak || !weak->at(i);
        const std::size_t n3 = 3 * std::size_t(set.structures.at(i).size());
        // a weak item may carry its EIP's forces (strategy 1 with weak forces)
        const bool eip_forces = !labelled && with_forces && i < set.forces.size() && set.forces[i].size() == n3;
        b.labelled.push_back(char(labelled));
        b.weak_forces.push_back(char(eip_forces));
        b.energies.push_back(set.energies.at(i));
        if (eip_forces) {
            b.forces.insert(b.forces.end(), set.forces[i].begin(), set.forces[i].end());
        } else if (with_forces && !labelled) {
            b.forces.insert(b.forces.end(), n3, 0.0);
        } else if (with_forces) {
            const std::vector<double>& f = set.forces.at(i);
            if (f.size() != 3 * std::size_t(set.structures.at(i).size()))
                throw Error(str("has ", f.size(), " force components for ", set.structures.at(i).size(), " atoms"),
                            set.sources.at(i), "give every atom's force, or train on energies only");
            b.forces.insert(b.forces.end(), f.begin(), f.end());
        }
        const bool has = labelled && with_stress && i < set.stress.size() && set.stress[i].size() == 9;
        b.has_stress.push_back(char(has));
        if (has) b.stress.insert(b.stress.end(), set.stress[i].begin(), set.stress[i].end());
        else b.stress.insert(b.stress.end(), 9, 0.0);
    }
    return b;
}

inline double cell_volume(const Mat3& L) {
    return std::abs(L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) - L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
                    L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]));
}

// L of a batch's predictions (energies of head 0, forces, virials) and dL/dE (n_graphs, n_heads;
// head 0 only), dL/dF (n_atoms, 3), dL/dW (n_graphs, 9). dL_dF / dL_dW are left empty when their
// weight is zero. Means run over the labelled graphs (and their atoms) only.
template <class T>
LossTerms energy_force_loss(const GraphBatch& batch, const EnergyForces<T>& pred, const BatchLabels& labels,
                            const LossWeights& w, index_t n_heads, std::vector<double>& dL_dE, std::vector<T>& dL_dF,
                            std::vector<T>& dL_dW) {
    const index_t G = batch.n_graphs(), n = batch.n_atoms();
    const auto labelled = [&](index_t g) { return labels.labelled.empty() || labels.labelled[std::size_t(g)]; };
    index_t n_graphs = 0, n_atoms = 0;
    for (index_t g = 0; g < G; ++g)
        if (labelled(g)) {
            ++n_graphs;
            n_atoms += batch.atom_offsets[std::size_t(g) + 1] - batch.atom_offsets[std::size_t(g)];
        }
    LossTerms terms;
    dL_dE.assign(std::size_t(G) * std::size_t(n_heads), 0.0);
    dL_dF.clear();
    dL_dW.clear();
    if (w.forces > 0) dL_dF.assign(3 * std::size_t(n), T(0));
    if (w.stress > 0) dL_dW.assign(9 * std::size_t(G), T(0));
    // (no labelled graph: the DFT terms below add nothing, the weak force term may)
    for (index_t g = 0; g < G; ++g) {
        if (!labelled(g)) continue;
        const double N = double(batch.atom_offsets[std::size_t(g) + 1] - batch.atom_offsets[std::size_t(g)]);
        const double d = (pred.energies[std::size_t(g)] - labels.energies[std::size_t(g)]) / N;
        terms.energy += w.energy * d * d / double(n_graphs);
        dL_dE[std::size_t(g * n_heads)] = w.energy * 2.0 * d / (N * double(n_graphs));
    }
    if (w.forces > 0) {
        const double m = 3.0 * double(n_atoms);
        for (index_t g = 0; g < G; ++g) {
            if (!labelled(g)) continue;
            for (std::size_t k = 3 * std::size_t(batch.atom_offsets[std::size_t(g)]);
                 k < 3 * std::size_t(batch.atom_offsets[std::size_t(g) + 1]); ++k) {
                const double d = double(pred.forces[k]) - labels.forces[k];
                terms.forces += w.forces * d * d / m;
                dL_dF[k] = T(w.forces * 2.0 * d / m);
            }
        }
    }
    if (w.forces > 0 && w.weak_forces > 0 && !labels.weak_forces.empty()) {
        std::vector<double> weak_pred, weak_label;
        std::vector<std::size_t> at;
        for (index_t g = 0; g < G; ++g) {
            if (!labels.weak_forces[std::size_t(g)]) continue;
            for (std::size_t k = 3 * std::size_t(batch.atom_offsets[std::size_t(g)]);
                 k < 3 * std::size_t(batch.atom_offsets[std::size_t(g) + 1]); ++k) {
                weak_pred.push_back(double(pred.forces[k]));
                weak_label.push_back(labels.forces[k]);
                at.push_back(k);
            }
        }
        if (!at.empty()) {
            std::vector<double> grad;
            terms.forces += w.weak_forces * tukey_loss(weak_pred, weak_label, tukey_scale(weak_pred, weak_label), grad);
            for (std::size_t q = 0; q < at.size(); ++q) dL_dF[at[q]] += T(w.weak_forces * grad[q]);
        }
    }
    if (w.stress > 0) {
        index_t with_stress = 0;
        for (index_t g = 0; g < G; ++g) with_stress += labels.has_stress[std::size_t(g)] ? 1 : 0;
        if (with_stress > 0) {
            const double m = 9.0 * double(with_stress);
            for (index_t g = 0; g < G; ++g) {
                if (!labels.has_stress[std::size_t(g)]) continue;
                const double V = cell_volume(batch.lattices[std::size_t(g)]);
                for (std::size_t c = 0; c < 9; ++c) {
                    const std::size_t k = 9 * std::size_t(g) + c;
                    const double d = -double(pred.virial[k]) / V - labels.stress[k];
                    terms.stress += w.stress * d * d / m;
                    dL_dW[k] = T(-w.stress * 2.0 * d / (m * V));  // dsigma/dW = -1/V
                }
            }
        }
    }
    return terms;
}

}  // namespace eipnn
