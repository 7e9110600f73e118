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

    double baseline(const Structure& s) const { return baseline(s.numbers); }
    double baseline(const std::vector<int>& numbers) const {
        double e = 0;
        for (int z : numbers) {
            const auto it = reference.find(z);
            if (it == reference.end())
                throw Error(str("no reference energy for ", element_symbol(z), ": the training data had none"),
                            "EnergyNormalization", "train on data that contains every element you predict");
            e += it->second;
        }
        return e;
    }
};

// On the atomic numbers of each configuration (all the fit needs: what MPI ranks hold of every
// configuration, parallel/sharded_set.hpp).
inline EnergyNormalization fit_energy_normalization(const std::vector<const std::vector<int>*>& numbers,
                                                    const std::vector<double>& energies) {
    if (numbers.empty() || numbers.size() != energies.size())
        throw Error(str("normalisation needs one energy per structure, got ", numbers.size(), " structures and ",
                        energies.size(), " energies"),
                    "fit_energy_normalization");
    std::map<int, int> column;
    for (const std::vector<int>* s : numbers)
        for (int z : *s) column.emplace(z, 0);
    int k = 0;
    for (auto& [z, c] : column) c = k++;
    Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(Eigen::Index(numbers.size()), k);
    Eigen::VectorXd e(Eigen::Index(numbers.size()));
    for (std::size_t c = 0; c < numbers.size(); ++c) {
        for (int z : *numbers[c]) counts(Eigen::Index(c), column[z]) += 1.0;
        e(Eigen::Index(c)) = energies[c];
    }
    // Least squares; a rank-deficient composition (e.g. fixed stoichiometry) gets the minimum-norm
    // solution, which still reproduces every training composition's fit.
    const Eigen::VectorXd ref = counts.completeOrthogonalDecomposition().solve(e);
    EnergyNormalization norm;
    for (const auto& [z, c] : column) norm.reference[z] = ref(c);
    double sum = 0, sum_sq = 0;
    for (std::size_t c = 0; c < numbers.size(); ++c) {
        const double per_atom = (energies[c] - norm.baseline(*numbers[c])) / double(numbers[c]->size());
        sum += per_atom;
        sum_sq += per_atom * per_atom;
    }
    const double n = double(numbers.size());
    const double var = std::max(0.0, sum_sq / n - (sum / n) * (sum / n));
    norm.scale = var > 0 ? std::sqrt(var) : 1.0;
    return norm;
}

inline EnergyNormalization fit_energy_normalization(const std::vector<const Structure*>& structures,
                                                    const std::vector<double>& energies) {
    std::vector<const std::vector<int>*> numbers;
    numbers.reserve(structures.size());
    for (const Structure* s : structures) numbers.push_back(&s->numbers);
    return fit_energy_normalization(numbers, energies);
}

}  // namespace eipnn
