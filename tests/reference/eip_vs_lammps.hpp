// Comparing an eipnn Potential with LAMMPS (or an OpenKIM model through LAMMPS) on one structure,
// and the structures every EIP reference test runs on. Shared by the EIP reference tests.
//
// Tolerances (double): total energy to 1e-10 relative, forces to 1e-9 eV/Å, virial to 1e-10
// relative to its largest component (with a 1e-9 eV floor for a vanishing virial). These are the
// project's acceptance bounds (issue 3); both codes sum O(100) terms per atom in double, so
// the real differences are ~1e-13 and the bounds still catch any wrong term.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/io/extxyz.hpp"
#include "reference/lammps_harness.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

namespace eipnn::test {

struct LammpsDiff {
    double energy_rel = 0, force_abs = 0, virial_rel = 0;
};

inline LammpsDiff diff_with_lammps(const Potential& pot, const Structure& s, const lammps::Setup& setup,
                                   const std::string& name) {
    const lammps::Result ref = lammps::run_lammps(s, setup, name);
    const EipResult<double> got = pot.compute(ref.structure);
    LammpsDiff d;
    d.energy_rel = std::abs(got.energy - ref.energy) / std::max(std::abs(ref.energy), 1e-300);
    for (std::size_t k = 0; k < ref.forces.size(); ++k)
        d.force_abs = std::max(d.force_abs, std::abs(got.forces[k] - ref.forces[k]));
    double wmax = 0;
    for (double w : ref.virial) wmax = std::max(wmax, std::abs(w));
    for (std::size_t c = 0; c < 9; ++c)
        d.virial_rel = std::max(d.virial_rel, std::abs(got.virial[c] - ref.virial[c]) / std::max(wmax, 10.0));
    INFO(name << ": E eipnn " << got.energy << " lammps " << ref.energy);
    return d;
}

// The acceptance check of issue 3 for one structure.
inline void require_matches_lammps(const Potential& pot, const Structure& s, const lammps::Setup& setup,
                                   const std::string& name, LammpsDiff* worst = nullptr) {
    const LammpsDiff d = diff_with_lammps(pot, s, setup, name);
    INFO(name << ": energy rel " << d.energy_rel << ", force abs " << d.force_abs << " eV/A, virial rel "
              << d.virial_rel);
    CHECK(d.energy_rel <= 1e-10);
    CHECK(d.force_abs <= 1e-9);
    CHECK(d.virial_rel <= 1e-10);
    if (worst) {
        worst->energy_rel = std::max(worst->energy_rel, d.energy_rel);
        worst->force_abs = std::max(worst->force_abs, d.force_abs);
        worst->virial_rel = std::max(worst->virial_rel, d.virial_rel);
    }
}

// ---- structures -----------------------------------------------------------------------------

// The atoms of a rattled diamond supercell within `radius` of its centre, as a free cluster.
inline Structure diamond_cluster(double a, double radius, unsigned seed, int z = 14) {
    Structure d = diamond(a, 3, 3, 3, z);
    rattle(d, 0.05, seed);
    Structure c;
    const double mid = 1.5 * a;
    for (index_t i = 0; i < d.size(); ++i) {
        const Vec3 r = d.position(i);
        const double dx = r[0] - mid, dy = r[1] - mid, dz = r[2] - mid;
        if (dx * dx + dy * dy + dz * dz <= radius * radius) {
            c.positions.insert(c.positions.end(), r.begin(), r.end());
            c.numbers.push_back(z);
        }
    }
    c.cell = Cell::free_cluster();
    return c;
}

// A rattled 2x2x2 diamond cell described by strongly sheared vectors a, b + 2a, c + a + b (angles
// about 27°, 55° and 65° between them), rotated off the axes: the same crystal, a hard cell.
inline Structure sheared_diamond(double a, unsigned seed, int z = 14) {
    Structure s = diamond(a, 2, 2, 2, z);
    rattle(s, 0.08, seed);
    Mat3 L = s.cell.lattice;
    const Mat3 L0 = L;
    for (std::size_t k = 0; k < 3; ++k) {
        L[1][k] = L0[1][k] + 2 * L0[0][k];
        L[2][k] = L0[2][k] + L0[0][k] + L0[1][k];
    }
    // rotate positions and lattice by a fixed generic rotation
    const double t = 0.7, u = 0.4;
    const Mat3 R{Vec3{std::cos(t), -std::sin(t), 0}, Vec3{std::sin(t) * std::cos(u), std::cos(t) * std::cos(u), -std::sin(u)},
                 Vec3{std::sin(t) * std::sin(u), std::cos(t) * std::sin(u), std::cos(u)}};
    for (auto& row : L) row = lammps::rotate(R, row);
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = lammps::rotate(R, s.position(i));
        for (int k = 0; k < 3; ++k) s.positions[3 * std::size_t(i) + std::size_t(k)] = r[std::size_t(k)];
    }
    s.cell = Cell::periodic(L);
    return s;
}

// Two-atom primitive diamond cell (fcc vectors), rattled: every lattice vector is about the
// size of a typical cutoff, so many periodic images of each atom interact.
inline Structure primitive_diamond(double a, unsigned seed, int z = 14) {
    Structure s;
    s.cell = Cell::periodic({Vec3{0, a / 2, a / 2}, Vec3{a / 2, 0, a / 2}, Vec3{a / 2, a / 2, 0}});
    s.positions = {0, 0, 0, a / 4, a / 4, a / 4};
    s.numbers = {z, z};
    rattle(s, 0.05, seed);
    return s;
}

// Every configuration of an mlearn split, read with the project's extxyz reader; skips when absent.
inline std::vector<Structure> mlearn_structures(const std::string& element_folder, const std::string& split) {
    const auto path = data_file_or_skip(element_folder + "/" + split + ".extxyz");
    std::vector<Structure> out;
    for (auto& f : read_extxyz(path)) out.push_back(std::move(f.structure));
    return out;
}

}  // namespace eipnn::test
