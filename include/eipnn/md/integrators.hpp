// Molecular dynamics on any Potential: velocity Verlet (NVE) and Langevin NVT in the BAOAB
// splitting (Leimkuhler & Matthews 2013), in LAMMPS metal units. The neighbour list is rebuilt
// every step in place (its memory reused), which is exact whatever the atoms do.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/md/units.hpp"

namespace eipnn::md {

struct MdState {
    Structure structure;
    std::vector<double> velocities;  // (n_atoms, 3) Å/ps
    std::vector<double> masses;      // (n_atoms) g/mol
    EipResult<double> eval;          // energy and forces at the current positions
    NeighborList nl;

    double kinetic_energy() const {
        double ke = 0;
        for (std::size_t i = 0; i < masses.size(); ++i)
            for (int k = 0; k < 3; ++k) ke += 0.5 * masses[i] * velocities[3 * i + k] * velocities[3 * i + k];
        return ke * kMv2ToEv;
    }
    double temperature() const {
        const double dof = 3.0 * double(masses.size()) - 3.0;
        return dof > 0 ? 2.0 * kinetic_energy() / (dof * kBoltzmann) : 0.0;
    }
};

inline void evaluate(const Potential& pot, MdState& st, const Host& host) {
    NeighborOptions opt;
    rebuild_neighbor_list(st.nl, st.structure, pot.cutoff(), opt, host);
    pot.compute(st.structure, st.nl, host, st.eval);
    if (!std::isfinite(st.eval.energy))
        throw Error(str("the potential returned a non-finite energy (", st.eval.energy, ")"), "md",
                    "use a smaller time step or a lower temperature");
}

// Maxwell-Boltzmann velocities at temperature T, with the centre-of-mass motion removed.
inline MdState initial_state(const Potential& pot, Structure s, double temperature, std::mt19937_64& rng,
                             const Host& host = {}) {
    MdState st;
    st.structure = std::move(s);
    const index_t n = st.structure.size();
    st.masses.resize(std::size_t(n));
    for (index_t i = 0; i < n; ++i) st.masses[std::size_t(i)] = atomic_mass(st.structure.numbers[std::size_t(i)]);
    st.velocities.assign(3 * std::size_t(n), 0.0);
    std::normal_distribution<double> g(0.0, 1.0);
    double p[3] = {0, 0, 0}, m_total = 0;
    for (index_t i = 0; i < n; ++i) {
        const double sigma = std::sqrt(kBoltzmann * temperature / (st.masses[std::size_t(i)] * kMv2ToEv));
        for (int k = 0; k < 3; ++k) {
            st.velocities[3 * std::size_t(i) + std::size_t(k)] = sigma * g(rng);
            p[k] += st.masses[std::size_t(i)] * st.velocities[3 * std::size_t(i) + std::size_t(k)];
        }
        m_total += st.masses[std::size_t(i)];
    }
    for (index_t i = 0; i < n; ++i)
        for (int k = 0; k < 3; ++k) st.velocities[3 * std::size_t(i) + std::size_t(k)] -= p[k] / m_total;
    evaluate(pot, st, host);
    return st;
}

namespace detail {
// v += (dt/2) F/m ; the force in eV/Å over a mass in g/mol gives Å/ps² after dividing by kMv2ToEv
inline void half_kick(MdState& st, double dt) {
    for (std::size_t i = 0; i < st.masses.size(); ++i) {
        const double c = 0.5 * dt / (st.masses[i] * kMv2ToEv);
        for (int k = 0; k < 3; ++k) st.velocities[3 * i + k] += c * st.eval.forces[3 * i + k];
    }
}
inline void drift(MdState& st, double dt) {
    for (std::size_t k = 0; k < st.velocities.size(); ++k) st.structure.positions[k] += dt * st.velocities[k];
}
}  // namespace detail

// One velocity-Verlet step of dt ps (NVE).
inline void velocity_verlet_step(const Potential& pot, MdState& st, double dt, const Host& host = {}) {
    detail::half_kick(st, dt);
    detail::drift(st, dt);
    evaluate(pot, st, host);
    detail::half_kick(st, dt);
}

// One Langevin BAOAB step at temperature T with friction gamma (1/ps).
inline void langevin_step(const Potential& pot, MdState& st, double dt, double temperature, double gamma,
                          std::mt19937_64& rng, const Host& host = {}) {
    detail::half_kick(st, dt);
    detail::drift(st, 0.5 * dt);
    const double c1 = std::exp(-gamma * dt), c2 = std::sqrt(1.0 - c1 * c1);
    std::normal_distribution<double> g(0.0, 1.0);
    for (std::size_t i = 0; i < st.masses.size(); ++i) {
        const double sigma = std::sqrt(kBoltzmann * temperature / (st.masses[i] * kMv2ToEv));
        for (int k = 0; k < 3; ++k) st.velocities[3 * i + k] = c1 * st.velocities[3 * i + k] + c2 * sigma * g(rng);
    }
    detail::drift(st, 0.5 * dt);
    evaluate(pot, st, host);
    detail::half_kick(st, dt);
}

}  // namespace eipnn::md
