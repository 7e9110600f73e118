// Shared by the part-B reference tests (EAM, Morse, spline-MEAM, EDIP): test structures for
// metals, and one comparison of an eipnn Potential with LAMMPS / an OpenKIM model on a structure.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "eipnn/eip/potential.hpp"
#include "reference/lammps_harness.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

namespace eipnn::test {

// Cubic crystal from a conventional basis (fractional), repeated n0 x n1 x n2.
inline Structure cubic_crystal(const std::vector<Vec3>& basis, double a, int n0, int n1, int n2, int z) {
    Structure s;
    s.cell = Cell::periodic({Vec3{a * n0, 0, 0}, Vec3{0, a * n1, 0}, Vec3{0, 0, a * n2}});
    for (int i = 0; i < n0; ++i)
        for (int j = 0; j < n1; ++j)
            for (int k = 0; k < n2; ++k)
                for (const auto& b : basis) {
                    s.positions.insert(s.positions.end(), {a * (i + b[0]), a * (j + b[1]), a * (k + b[2])});
                    s.numbers.push_back(z);
                }
    return s;
}
inline Structure fcc(double a, int n0, int n1, int n2, int z) {
    return cubic_crystal({{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}}, a, n0, n1, n2, z);
}
inline Structure bcc(double a, int n0, int n1, int n2, int z) {
    return cubic_crystal({{0, 0, 0}, {.5, .5, .5}}, a, n0, n1, n2, z);
}

// The same crystal described by a strongly sheared cell (rows M · lattice, M unimodular:
// angles down to ~27 degrees), then turned by a generic rotation so no axis is special.
inline Structure sheared(const Structure& s, unsigned seed) {
    const int M[3][3] = {{1, 0, 0}, {2, 1, 0}, {1, -1, 1}};
    Structure out = s;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            out.cell.lattice[r][c] = M[r][0] * s.cell.lattice[0][c] + M[r][1] * s.cell.lattice[1][c] +
                                     M[r][2] * s.cell.lattice[2][c];
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 2 * M_PI);
    const double a = u(rng), b = u(rng);
    auto turn = [&](Vec3 v) {
        const double x = v[0] * std::cos(a) - v[1] * std::sin(a), y = v[0] * std::sin(a) + v[1] * std::cos(a);
        return Vec3{x, y * std::cos(b) - v[2] * std::sin(b), y * std::sin(b) + v[2] * std::cos(b)};
    };
    for (auto& row : out.cell.lattice) row = turn(row);
    for (index_t i = 0; i < out.size(); ++i) {
        const Vec3 r = turn(s.position(i));
        for (int k = 0; k < 3; ++k) out.positions[3 * std::size_t(i) + std::size_t(k)] = r[std::size_t(k)];
    }
    return out;
}

// Atoms of a crystal within `radius` of its first atom, as a free cluster.
inline Structure cluster_of(const Structure& s, double radius) {
    Structure c;
    c.cell = Cell::free_cluster();
    const Vec3 o = s.position(0);
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = s.position(i);
        const double d = norm(Vec3{r[0] - o[0], r[1] - o[1], r[2] - o[2]});
        if (d <= radius) {
            c.positions.insert(c.positions.end(), r.begin(), r.end());
            c.numbers.push_back(s.numbers[std::size_t(i)]);
        }
    }
    return c;
}

// Largest differences seen by compare_to_lammps (reported by the tests with WARN/INFO).
struct ReferenceErrors {
    double energy_rel = 0, atom_energy = 0, force = 0, virial = 0;
};

// Tolerances of the issue, in double: energies 1e-10 relative, forces 1e-9 eV/Å. Per-atom
// energies and virial components (both sums of O(neighbours) pair terms of size ~1 eV) get
// 1e-10 relative to the total energy's scale per atom plus 1e-9 eV absolute.
inline ReferenceErrors compare_to_lammps(const Potential& pot, const Structure& s, const lammps::Setup& setup,
                                         const std::string& name, double energy_rel_tol = 1e-10,
                                         double force_tol = 1e-9, bool oracle_has_per_atom = true) {
    const lammps::Result ref = lammps::run_lammps(s, setup, name);
    const EipResult<double> got = pot.compute(ref.structure);
    ReferenceErrors err;
    const std::size_t n = std::size_t(s.size());
    REQUIRE(got.atom_energies.size() == n);
    err.energy_rel = std::abs(got.energy - ref.energy) / std::max(1.0, std::abs(ref.energy));
    INFO(name << ": E eipnn " << got.energy << " LAMMPS " << ref.energy);
    CHECK(err.energy_rel <= energy_rel_tol);
    const double per_atom_scale = std::max(1.0, std::abs(ref.energy) / double(n));
    for (std::size_t i = 0; i < n; ++i)
        err.atom_energy = std::max(err.atom_energy, std::abs(got.atom_energies[i] - ref.atom_energies[i]));
    // Some OpenKIM models (EDIP) provide neither per-atom energies nor per-atom virials; LAMMPS then
    // reports zeros, and the harness's virial (a sum of per-atom virials) is zero too. Those
    // comparisons are skipped for such oracles (the virial is still checked by finite differences).
    if (oracle_has_per_atom) CHECK(err.atom_energy <= 1e-9 + energy_rel_tol * per_atom_scale);
    for (std::size_t k = 0; k < 3 * n; ++k) err.force = std::max(err.force, std::abs(got.forces[k] - ref.forces[k]));
    CHECK(err.force <= force_tol);
    double wscale = 1.0;
    for (double w : ref.virial) wscale = std::max(wscale, std::abs(w));
    for (int c = 0; c < 9; ++c)
        err.virial = std::max(err.virial, std::abs(got.virial[std::size_t(c)] - ref.virial[std::size_t(c)]));
    // same rule as the energy: relative to the largest component, plus the force tolerance in eV
    if (oracle_has_per_atom) CHECK(err.virial <= force_tol + energy_rel_tol * wscale);
    if (!oracle_has_per_atom) err.atom_energy = err.virial = std::nan("");
    std::printf("%-40s n=%4zu  dE/E=%.2e  dEi=%.2e  dF=%.2e  dW=%.2e\n", name.c_str(), n, err.energy_rel,
                err.atom_energy, err.force, err.virial);
    return err;
}

}  // namespace eipnn::test
