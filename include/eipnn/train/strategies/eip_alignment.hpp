// EIP energies brought onto the DFT reference, and the auxiliary classifier's labels (METHOD.md).
//
// DFT energies here are raw VASP totals, EIP energies cohesive: each EIP gets a constant per-atom
// shift fitted on the DFT training split only, E_aligned = E_EIP + N · shift_k. Estimators:
//  - mean:   shift = mean over configurations of (E_DFT - E_EIP) / N  (least squares per atom)
//  - median: shift = median of the same residuals (robust to the few configurations where an EIP
//            is far off, which otherwise drag the shift away from the ones it describes well)
// EIP energies above 200 eV/atom (in magnitude) are invalid and masked (METHOD.md).
// Class of a configuration: k* = argmin_k |E_k - E_DFT| over valid EIPs, or K ("no EIP is good
// enough") when even that error exceeds tau = 0.1 eV/atom.
#pragma once
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/train/losses.hpp"

namespace eipnn {

inline constexpr double kInvalidEipEnergyPerAtom = 200.0;  // eV/atom
inline constexpr double kClassTolerance = 0.1;              // eV/atom

enum class ShiftEstimator { mean, median };

inline ShiftEstimator parse_shift_estimator(const std::string& s) {
    if (s == "mean") return ShiftEstimator::mean;
    if (s == "median") return ShiftEstimator::median;
    throw Error(str("unknown shift estimator '", s, "'"), "alignment", "use mean or median");
}

// EIP energies of a set of configurations: energies(c, k) total eV, NaN where not available.
struct EipEnergies {
    std::vector<std::string> names;   // K
    std::vector<double> energies;     // (n_configs, K)
    std::vector<int> n_atoms;         // (n_configs)
    std::vector<std::vector<double>> forces;  // (n_configs, K) of (n_atoms, 3) eV/Å; empty unless asked for

    std::size_t n_configs() const { return n_atoms.size(); }
    std::size_t n_eips() const { return names.size(); }
    double at(std::size_t c, std::size_t k) const { return energies[c * names.size() + k]; }
    bool valid(std::size_t c, std::size_t k) const {
        const double e = at(c, k);
        return std::isfinite(e) && std::abs(e / n_atoms[c]) <= kInvalidEipEnergyPerAtom;
    }
};

// Per-EIP per-atom shifts fitted on (dft, eip) of the training split.
inline std::vector<double> fit_eip_shifts(const EipEnergies& eip, const std::vector<double>& dft, ShiftEstimator how) {
    if (dft.size() != eip.n_configs())
        throw Error(str(dft.size(), " DFT energies for ", eip.n_configs(), " configurations"), "fit_eip_shifts");
    std::vector<double> shifts(eip.n_eips(), 0.0);
    for (std::size_t k = 0; k < eip.n_eips(); ++k) {
        std::vector<double> residual;
        for (std::size_t c = 0; c < eip.n_configs(); ++c)
            if (eip.valid(c, k)) residual.push_back((dft[c] - eip.at(c, k)) / eip.n_atoms[c]);
        if (residual.empty())
            throw Error(str("EIP '", eip.names[k], "' has no valid energy on the training split"), "fit_eip_shifts",
                        "drop it from the pool");
        if (how == ShiftEstimator::median) {
            shifts[k] = median_of(residual);
        } else {
            double sum = 0;
            for (double r : residual) sum += r;
            shifts[k] = sum / double(residual.size());
        }
    }
    return shifts;
}

inline EipEnergies apply_eip_shifts(EipEnergies eip, const std::vector<double>& shifts) {
    for (std::size_t c = 0; c < eip.n_configs(); ++c)
        for (std::size_t k = 0; k < eip.n_eips(); ++k)
            if (eip.valid(c, k)) eip.energies[c * eip.n_eips() + k] += shifts[k] * eip.n_atoms[c];
    return eip;
}

// Class labels in [0, K]: the closest valid (aligned) EIP, or K when none is within tau eV/atom.
inline std::vector<int> eip_class_labels(const EipEnergies& aligned, const std::vector<double>& dft,
                                         double tau = kClassTolerance) {
    std::vector<int> labels(aligned.n_configs());
    const int K = int(aligned.n_eips());
    for (std::size_t c = 0; c < aligned.n_configs(); ++c) {
        double best = std::numeric_limits<double>::infinity();
        int arg = K;
        for (int k = 0; k < K; ++k) {
            if (!aligned.valid(c, std::size_t(k))) continue;
            const double err = std::abs(aligned.at(c, std::size_t(k)) - dft[c]);
            if (err < best) {
                best = err;
                arg = k;
            }
        }
        labels[c] = best / aligned.n_atoms[c] <= tau ? arg : K;
    }
    return labels;
}

inline std::vector<int> class_histogram(const std::vector<int>& labels, int n_classes) {
    std::vector<int> h(std::size_t(n_classes), 0);
    for (int y : labels) h.at(std::size_t(y)) += 1;
    return h;
}

// Test energy MAE per atom of each aligned EIP (meV/atom), over valid entries.
inline std::vector<double> eip_mae_meV_per_atom(const EipEnergies& aligned, const std::vector<double>& dft) {
    std::vector<double> mae(aligned.n_eips(), 0.0);
    for (std::size_t k = 0; k < aligned.n_eips(); ++k) {
        std::size_t n = 0;
        for (std::size_t c = 0; c < aligned.n_configs(); ++c)
            if (aligned.valid(c, k)) {
                mae[k] += std::abs(aligned.at(c, k) - dft[c]) / aligned.n_atoms[c];
                ++n;
            }
        mae[k] = n ? 1e3 * mae[k] / double(n) : std::numeric_limits<double>::quiet_NaN();
    }
    return mae;
}

}  // namespace eipnn
