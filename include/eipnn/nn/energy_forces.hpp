// What a model's energy_forces() returns, portable (no Eigen) so the device models share it.
#pragma once
#include <vector>

namespace eipnn {

template <class T>
struct EnergyForces {
    std::vector<double> energies;  // (n_graphs) head 0
    std::vector<T> forces;         // (n_atoms, 3) eV/Å
    std::vector<T> virial;         // (n_graphs, 9) eV, W = -sum_e r_e (x) dE/dr_e
};

}  // namespace eipnn
