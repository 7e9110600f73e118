// Target normalisation: per-species reference energies fitted by least squares on the training
// split, E ≈ sum_Z n_Z(c) · ref_Z, and a scale, the standard deviation of the per-atom residual
// (E - sum_Z n_Z ref_Z) / N. A model then predicts E = scale · sum_i y_i + sum_i ref_{Z_i}, so its
// raw outputs are O(1) whatever the data's energy reference (raw VASP totals here).
#pragma once
#include <cmath>
#include <map>
#include <vector>

#include <Eigen/Dense>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct EnergyNormalization {
    std::map<int, double> reference;  // eV per atom of each atomic number
    double scale = 1.0;               // eV per atom

    double baseline(const Structure& s) const {
        double e = 0;
        for (int z : s.numbers) {
            const auto it = reference.find(z);
            if (it == reference.end())
                throw Error(str("no reference energy for ", element_symbol(z), ": the training data had none"),
                            "EnergyNormalization", "train on data that contains every element you predict");
            e += it->second;
        }
        return e;
    }
};

inline EnergyNormalization fit_energy_normalization(const std::vector<const Structure*>& structures,
                                                    const std::vector<double>& energies) {
    if (structures.empty() || structures.size() != energies.size())
        throw Error(str("normalisation needs one energy per structure, got ", structures.size(), " structures and ",
                        energies.size(), " energies"),
                    "fit_energy_normalization");
    std::map<int, int> column;
    for (const Structure* s : structures)
        for (int z : s->numbers) column.emplace(z, 0);
    int k = 0;
    for (auto& [z, c] : column) c = k++;
    Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(Eigen::Index(structures.size()), k);
    Eigen::VectorXd e(Eigen::Index(structures.size()));
    for (std::size_t c = 0; c < structures.size(); ++c) {
        for (int z : structures[c]->numbers) counts(Eigen::Index(c), column[z]) += 1.0;
        e(Eigen::Index(c)) = energies[c];
    }
    // Least squares; a rank-deficient composition (e.g. fixed stoichiometry) gets the minimum-norm
    // solution, which still reproduces every training composition's fit.
    const Eigen::VectorXd ref = counts.completeOrthogonalDecomposition().solve(e);
    EnergyNormalization norm;
    for (const auto& [z, c] : column) norm.reference[z] = ref(c);
    double sum = 0, sum_sq = 0;
    for (std::size_t c = 0; c < structures.size(); ++c) {
        const double per_atom = (energies[c] - norm.baseline(*structures[c])) / double(structures[c]->size());
        sum += per_atom;
        sum_sq += per_atom * per_atom;
    }
    const double n = double(structures.size());
    const double var = std::max(0.0, sum_sq / n - (sum / n) * (sum / n));
    norm.scale = var > 0 ? std::sqrt(var) : 1.0;
    return norm;
}

}  // namespace eipnn
