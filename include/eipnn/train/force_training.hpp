// Training on forces and stresses for any model of nn/model.hpp: the batch step (forward, force
// pass, loss of train/force_loss.hpp, second backward) and the metrics that validation and
// `eipnn eval` report (energy per atom, force components, stress components).
#pragma once
#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "eipnn/nn/model.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/second_order.hpp"
#include "eipnn/train/batch_step.hpp"
#include "eipnn/train/gradient_backend.hpp"
#include "eipnn/train/force_loss.hpp"
#include "eipnn/train/prepared_set.hpp"
#include "eipnn/train/stress_labels.hpp"

namespace eipnn {

// The host's step: train/batch_step.hpp's energy_force_step_gradients on a host model, with its
// buffers kept between batches; not thread-safe (one per trainer).
template <class Model>
class EnergyForceStep {
    static_assert(is_model_v<Model>, "EnergyForceStep trains a model (nn/model.hpp)");
    using T = typename Model::Scalar;

public:
    // An energy loss added to L (strategy 1's weak-label term): given the batch's items and the
    // predicted energies (n_graphs, n_heads), returns its value and writes its dL/dE.
    using ExtraEnergyLoss = std::function<double(const std::vector<std::size_t>& items,
                                                 const std::vector<double>& predicted, std::vector<double>& dL_dE)>;

    // Accumulates the parameter gradient of L (+ extra, if given, in LossTerms::energy) into grads;
    // returns L's terms (not finite: nothing accumulated).
    LossTerms operator()(const Host& host, const Model& model, const GraphBatch& batch, const BatchLabels& labels,
                         const LossWeights& w, ParameterBuffer<T>& grads, const ExtraEnergyLoss& extra = nullptr,
                         const std::vector<std::size_t>& items = {}) {
        model.prepare_forward(batch, fw_);
        std::function<double(const std::vector<double>&, std::vector<double>&)> energy_term;
        if (extra)
            energy_term = [&](const std::vector<double>& predicted, std::vector<double>& dL_dE) {
                return extra(items, predicted, dL_dE);
            };
        return energy_force_step_gradients(host, model.weights(), batch, batch, fw_, adj_, work_, labels, w,
                                           grads.views(), buffers_, energy_term);
    }

    const EnergyForces<T>& predictions() const { return buffers_.pred; }  // of the last step

private:
    typename Model::Forward fw_;
    typename Model::ForceAdjoints adj_;
    typename Model::BackwardWork work_;
    ForceStepBuffers<T, Host> buffers_;
};

// Per configuration: energy (head 0), forces (n_atoms, 3) and stress sigma = -W/V (9, eV/Å^3).
struct EnergyForcePredictions {
    std::vector<double> energies;
    std::vector<std::vector<double>> forces;
    std::vector<std::array<double, 9>> stress;
};

// On the host model, or where `backend` (if given) holds its loaded copy.
template <class Model>
EnergyForcePredictions predict_energy_forces(const Model& model, const PreparedSet& set, const Host& host,
                                             std::size_t batch_size = 32, GradientBackend<Model>* backend = nullptr) {
    EnergyForcePredictions out;
    out.energies.resize(set.size());
    out.forces.resize(set.size());
    out.stress.resize(set.size());
    typename Model::Forward fw;
    EnergyForces<typename Model::Scalar> ef;
    std::vector<double> all_heads;
    for_each_batch(set.size(), batch_size, [&](const std::vector<std::size_t>& items) {
        const GraphBatch batch = set.batch(items);
        if (backend) backend->evaluate(batch, all_heads, &ef);
        else model.energy_forces(host, batch, fw, ef);
        for (std::size_t k = 0; k < items.size(); ++k) {
            const std::size_t i = items[k];
            out.energies[i] = ef.energies[k];
            const index_t a0 = batch.atom_offsets[k], a1 = batch.atom_offsets[k + 1];
            out.forces[i].assign(ef.forces.begin() + 3 * a0, ef.forces.begin() + 3 * a1);
            const double V = cell_volume(batch.lattices[k]);
            for (std::size_t c = 0; c < 9; ++c) out.stress[i][c] = -double(ef.virial[9 * k + c]) / V;
        }
    });
    return out;
}

struct EnergyForceMetrics {
    double energy_mae_meV_per_atom = 0, energy_rmse_meV_per_atom = 0;
    double force_mae_eV_per_A = 0, force_rmse_eV_per_A = 0;  // over components
    double stress_mae_GPa = 0, stress_rmse_GPa = 0;          // over the 9 components of labelled cells
    std::size_t n_configs = 0, n_force_components = 0, n_stress_configs = 0;
    LossTerms loss;  // L over the set with the given weights (validation selects by its total)
};

// One configuration's prediction errors: the terms that the metrics below sum. Under MPI they are
// computed by the rank that holds the configuration and summed, in set order, on every rank
// (parallel/distributed_errors.hpp), so the metrics do not depend on the number of ranks.
struct ConfigErrors {
    double n_atoms = 0;
    double energy = 0;                                    // predicted - label, eV (total)
    double force_abs = 0, force_sq = 0, n_force = 0;      // over its labelled force components
    double stress_abs = 0, stress_sq = 0, n_stress = 0;   // over the 9 components; n_stress 1 when labelled
    static constexpr std::size_t kDoubles = 8;            // packed for gathers, in this order

    void pack(std::vector<double>& out) const {
        out.insert(out.end(), {n_atoms, energy, force_abs, force_sq, n_force, stress_abs, stress_sq, n_stress});
    }
    static ConfigErrors unpack(const double* d) { return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]}; }
};

// Configuration i of `set` against a prediction; forces (3 n, or empty: no force errors) and stress
// (null: none) count where the set has labels.
inline ConfigErrors config_errors(const PreparedSet& set, std::size_t i, double energy, const std::vector<double>& forces,
                                  const std::array<double, 9>* stress) {
    ConfigErrors c;
    c.n_atoms = double(set.structures[i].size());
    c.energy = energy - set.energies[i];
    if (i < set.forces.size() && !forces.empty() && set.forces[i].size() == forces.size())
        for (std::size_t k = 0; k < forces.size(); ++k) {
            const double d = forces[k] - set.forces[i][k];
            c.force_abs += std::abs(d);
            c.force_sq += d * d;
            c.n_force += 1;
        }
    if (stress && i < set.stress.size() && set.stress[i].size() == 9) {
        for (std::size_t k = 0; k < 9; ++k) {
            const double d = (*stress)[k] - set.stress[i][k];
            c.stress_abs += std::abs(d);
            c.stress_sq += d * d;
        }
        c.n_stress = 1;
    }
    return c;
}

// Metrics over configurations' errors, summed in the order given.
inline EnergyForceMetrics energy_force_metrics(const std::vector<ConfigErrors>& errors, const LossWeights& w = {}) {
    EnergyForceMetrics m;
    double e_sq = 0, f_abs = 0, f_sq = 0, s_abs = 0, s_sq = 0, n_f = 0, n_s = 0;
    for (const ConfigErrors& c : errors) {
        const double de = c.energy / c.n_atoms;
        m.energy_mae_meV_per_atom += std::abs(de);
        e_sq += de * de;
        f_abs += c.force_abs;
        f_sq += c.force_sq;
        n_f += c.n_force;
        s_abs += c.stress_abs;
        s_sq += c.stress_sq;
        n_s += c.n_stress;
    }
    m.n_configs = errors.size();
    m.n_force_components = std::size_t(n_f);
    m.n_stress_configs = std::size_t(n_s);
    if (m.n_configs == 0) return m;
    const double nc = double(m.n_configs);
    m.energy_mae_meV_per_atom *= 1e3 / nc;
    m.energy_rmse_meV_per_atom = 1e3 * std::sqrt(e_sq / nc);
    m.loss.energy = w.energy * e_sq / nc;
    if (m.n_force_components > 0) {
        m.force_mae_eV_per_A = f_abs / n_f;
        m.force_rmse_eV_per_A = std::sqrt(f_sq / n_f);
        m.loss.forces = w.forces * f_sq / n_f;
    }
    if (m.n_stress_configs > 0) {
        const double ns = 9.0 * n_s;
        m.stress_mae_GPa = kEvPerA3InGPa * s_abs / ns;
        m.stress_rmse_GPa = kEvPerA3InGPa * std::sqrt(s_sq / ns);
        m.loss.stress = w.stress * s_sq / ns;
    }
    return m;
}

// Metrics over `subset` of the set (all when null). Forces and stresses count where labelled.
inline EnergyForceMetrics energy_force_metrics(const EnergyForcePredictions& p, const PreparedSet& set,
                                               const LossWeights& w = {},
                                               const std::vector<std::size_t>* subset = nullptr) {
    std::vector<ConfigErrors> errors;
    auto visit = [&](std::size_t i) { errors.push_back(config_errors(set, i, p.energies[i], p.forces[i], &p.stress[i])); };
    if (subset) for (std::size_t i : *subset) visit(i);
    else for (std::size_t i = 0; i < set.size(); ++i) visit(i);
    return energy_force_metrics(errors, w);
}

}  // namespace eipnn
