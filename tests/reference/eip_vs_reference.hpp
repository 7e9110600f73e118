// Comparing an eipnn Potential with LAMMPS (its own pair styles, or an OpenKIM model through
// `pair_style kim`) on one structure, and the structures every EIP reference test runs on.
//
// Tolerances (double), the project's acceptance bounds (issue 3): total energy 1e-10 relative
// (to max(1 eV, |E|)), forces 1e-9 eV/Å, per-atom energies 1e-9 eV plus 1e-10 relative to the
// energy per atom, virial 1e-10 relative to its largest component with a floor of 10 eV (a
// vanishing virial). Both codes sum O(100) double terms per atom, so the real differences are
// ~1e-13 and the bounds still catch any wrong term.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/io/extxyz.hpp"
#include "reference/lammps_harness.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

namespace eipnn::test {

// What of the oracle's output can be compared.
enum class Compared {
    everything,
    // LAMMPS splits three-body energies between atoms differently (sw.hpp, tersoff.hpp): per-atom
    // energies differ while totals, forces and the virial agree
    no_atom_energies,
    // OpenKIM models without per-atom energies and virials (EDIP): LAMMPS reports zeros for both;
    // the virial is covered by the finite-difference tests
    energy_and_forces,
};

// Largest differences seen (per-atom energies and virial NaN where not compared).
struct ReferenceErrors {
    double energy_rel = 0, atom_energy = 0, force = 0, virial = 0;

    void keep_worst(const ReferenceErrors& e) {
        energy_rel = std::max(energy_rel, e.energy_rel);
        atom_energy = std::max(atom_energy, e.atom_energy);
        force = std::max(force, e.force);
        virial = std::max(virial, e.virial);
    }
    void print(const std::string& what) const {
        std::printf("%s worst: dE/E %.2e, dF %.2e eV/Å, dE_i %.2e eV, dW %.2e eV\n", what.c_str(), energy_rel, force,
                    atom_energy, virial);
    }
};

inline ReferenceErrors compare_to_lammps(const Potential& pot, const Structure& s, const lammps::Setup& setup,
                                         const std::string& name, Compared what = Compared::everything) {
    const lammps::Result ref = lammps::run_lammps(s, setup, name);
    const EipResult<double> got = pot.compute(ref.structure);
    const std::size_t n = std::size_t(s.size());
    REQUIRE(got.atom_energies.size() == n);
    ReferenceErrors err;
    INFO(name << ": E eipnn " << got.energy << " LAMMPS " << ref.energy);
    err.energy_rel = std::abs(got.energy - ref.energy) / std::max(1.0, std::abs(ref.energy));
    CHECK(err.energy_rel <= 1e-10);
    for (std::size_t k = 0; k < 3 * n; ++k) err.force = std::max(err.force, std::abs(got.forces[k] - ref.forces[k]));
    CHECK(err.force <= 1e-9);
    err.atom_energy = err.virial = std::nan("");
    if (what == Compared::everything) {
        err.atom_energy = 0;
        for (std::size_t i = 0; i < n; ++i)
            err.atom_energy = std::max(err.atom_energy, std::abs(got.atom_energies[i] - ref.atom_energies[i]));
        CHECK(err.atom_energy <= 1e-9 + 1e-10 * std::max(1.0, std::abs(ref.energy) / double(n)));
    }
    if (what != Compared::energy_and_forces) {
        double wmax = 0;
        err.virial = 0;
        for (std::size_t c = 0; c < 9; ++c) {
            wmax = std::max(wmax, std::abs(ref.virial[c]));
            err.virial = std::max(err.virial, std::abs(got.virial[c] - ref.virial[c]));
        }
        CHECK(err.virial <= 1e-10 * std::max(10.0, wmax));
    }
    std::printf("%-40s n=%4zu  dE/E=%.2e  dEi=%.2e  dF=%.2e  dW=%.2e\n", name.c_str(), n, err.energy_rel,
                err.atom_energy, err.force, err.virial);
    return err;
}

// ---- structures -----------------------------------------------------------------------------

// Repetitions of a conventional cell giving `cells` cells (a power of two), as cubic as possible.
inline std::array<int, 3> repetitions(int cells) {
    std::array<int, 3> reps{1, 1, 1};
    for (int d = 0; cells > 1; cells /= 2, d = (d + 1) % 3) reps[std::size_t(d)] *= 2;
    return reps;
}

// The five structures of the issue for a cubic crystal ("diamond", "fcc", "bcc") of lattice
// constant a: 8 atoms (narrower than twice any cutoff here), 64 rattled atoms, a rattled free
// cluster of the given radius, a small cell (diamond: the 2-atom primitive cell; metals: one
// conventional cell) and a strongly sheared, rotated 2x2x2 supercell.
inline std::vector<std::pair<std::string, Structure>> standard_structures(const std::string& lattice, double a, int z,
                                                                          unsigned seed, double cluster_radius) {
    const Prototype p = prototype(lattice);
    const int basis = int(p.fractional.size());
    std::vector<std::pair<std::string, Structure>> out;
    out.emplace_back("cell8", conventional_cell(p, z, a, repetitions(8 / basis)));
    Structure big = conventional_cell(p, z, a, repetitions(64 / basis));
    rattle(big, 0.1, seed);
    out.emplace_back("rattled64", big);
    Structure blob = conventional_cell(p, z, a, {3, 3, 3});
    rattle(blob, 0.08, seed + 1);
    out.emplace_back("cluster", cluster_of(blob, cluster_radius, {1.5 * a, 1.5 * a, 1.5 * a}));
    Structure small = lattice == "diamond" ? primitive_diamond(a, seed + 2, z) : conventional_cell(p, z, a);
    if (lattice != "diamond") rattle(small, 0.1, seed + 2);
    out.emplace_back("small", small);
    Structure shear = sheared(conventional_cell(p, z, a, {2, 2, 2}), seed + 3);
    rattle(shear, 0.1, seed + 4);
    out.emplace_back("sheared", shear);
    return out;
}

// Every configuration of an mlearn split, read with the project's extxyz reader; skips when absent.
inline std::vector<Structure> mlearn_structures(const std::string& element_folder, const std::string& split) {
    const auto path = data_file_or_skip(element_folder + "/" + split + ".extxyz");
    std::vector<Structure> out;
    for (auto& f : read_extxyz(path)) out.push_back(std::move(f.structure));
    return out;
}

}  // namespace eipnn::test
