// The loss flags of the commands that train (`train`, `reproduce`): energies only by default;
// --forces adds the force and stress terms of train/force_loss.hpp with the weights chosen on the
// mlearn validation splits (kForceDefaults); --energy-weight, --force-weight, --stress-weight
// override single weights (a positive force or stress weight trains on forces without --forces).
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

#include "eipnn/train/force_loss.hpp"

namespace eipnn::cli {

// Chosen on the validation split of mlearn Si with SOAPNet (README, "Training on forces"): per-atom
// energy errors of a few meV/atom weigh against force errors of ~0.05 eV/Å, so w_E = 30 keeps the
// energy term from vanishing beside the force term (w_E = 1: 7.4 meV/atom, 0.053 eV/Å; 30: 3.1,
// 0.058; 100: 3.4, 0.061); stresses (eV/Å^3, ~1e-2) need w_S ~ 1e3 to count (stress MAE 0.36 ->
// 0.09 GPa at equal energy and force errors).
inline constexpr LossWeights kForceDefaults{30.0, 1.0, 1000.0};
// and the schedule that went with them: 150 epochs, learning rate 1e-3 decaying linearly to 1e-5
inline constexpr int kForceEpochs = 150;
inline constexpr double kForceLrEnd = 1e-5;

struct LossFlags {
    bool forces = false;
    double energy_weight = -1, force_weight = -1, stress_weight = -1;  // < 0: not given
    CLI::Option* stress_option = nullptr;

    void add(CLI::App* cmd) {
        cmd->add_flag("--forces", forces,
                      str("train on forces (and stresses where the data has them) besides energies; weights E ",
                          kForceDefaults.energy, ", F ", kForceDefaults.forces, ", S ", kForceDefaults.stress));
        cmd->add_option("--energy-weight", energy_weight, "w_E of ((E - E_dft)/N)^2, 1/(eV/atom)^2");
        cmd->add_option("--force-weight", force_weight, "w_F of (F - F_dft)^2, 1/(eV/Å)^2");
        stress_option = cmd->add_option("--stress-weight", stress_weight, "w_S of (sigma - sigma_dft)^2, 1/(eV/Å^3)^2");
    }
    void validate(const char* where) const {
        for (const auto& [name, v] : {std::pair<const char*, double>{"--energy-weight", energy_weight},
                                      {"--force-weight", force_weight},
                                      {"--stress-weight", stress_weight}})
            if (!std::isfinite(v) || (v < 0 && v != -1))
                throw Error(str(name, " ", v, " must be a number >= 0"), where);
    }
    // The weights for training data; a default stress weight is dropped (with a note) when no
    // configuration has a stress label, an explicit one is kept and the trainer then names the
    // configuration that lacks it.
    LossWeights weights(bool data_has_stress) const {
        LossWeights w = forces ? kForceDefaults : LossWeights{1.0, 0.0, 0.0};
        if (energy_weight >= 0) w.energy = energy_weight;
        if (force_weight >= 0) w.forces = force_weight;
        if (stress_weight >= 0) w.stress = stress_weight;
        if (w.stress > 0 && stress_weight < 0) {
            if (!data_has_stress) {
                std::fprintf(stderr, "note: the training data has no stress labels; training on energies and forces\n");
                w.stress = 0;
            }
        }
        return w;
    }
};

}  // namespace eipnn::cli
