// The checks every EIP must pass, independent of any reference code: forces and virial against
// central finite differences of the energy (double), invariances (translation, rotation,
// permutation, periodic image), float against double, and 1 vs 2 vs 3 threads.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

namespace eipnn::test {

inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0;
    for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, std::abs(a[k] - b[k]));
    return m;
}

inline double total_energy(const Potential& pot, const Structure& s) { return pot.compute(s).energy; }

// Forces = -dE/dr and virial W_ab = -dE/d(eps_ab) (r_b -> r_b + r_a eps_ab for positions and
// lattice rows) by central differences with step h.
// Step: the error is truncation ~ h^2 |E'''| / 6 plus round-off ~ eps |E| / h. With |E| <~ 1e3 eV
// and |E'''| <~ 1e2 eV/Å^3 on these structures, h = 1e-5 Å gives ~2e-9 + ~2e-8 eV/Å; tables
// that are only C1 (EAM, the spline potentials) add at most h |jump of E''| / 2 <~ 1e-5 * 10 / 2
// when a node lies within h. Tolerance: 1e-6 eV/Å absolute plus 1e-6 relative, ten times the
// worst of these estimates, and far below any real mistake (a wrong sign or a missing term is
// O(0.1..1) eV/Å).
inline void check_finite_differences(const Potential& pot, const Structure& s, const std::string& name) {
    constexpr double h = 1e-5, tol = 1e-6;
    const EipResult<double> r = pot.compute(s);
    double worst_f = 0, worst_w = 0;
    for (std::size_t k = 0; k < s.positions.size(); ++k) {
        Structure p = s, m = s;
        p.positions[k] += h;
        m.positions[k] -= h;
        const double fd = -(total_energy(pot, p) - total_energy(pot, m)) / (2 * h);
        const double err = std::abs(fd - r.forces[k]);
        worst_f = std::max(worst_f, err);
        INFO(name << " force component " << k << " analytic " << r.forces[k] << " fd " << fd);
        CHECK(err <= tol * (1 + std::abs(fd)));
    }
    if (s.cell.has_lattice) {
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                auto strained = [&](double eps) {
                    Structure t = s;
                    for (index_t i = 0; i < t.size(); ++i)
                        t.positions[3 * std::size_t(i) + std::size_t(b)] += eps * s.positions[3 * std::size_t(i) + std::size_t(a)];
                    for (int row = 0; row < 3; ++row) t.cell.lattice[std::size_t(row)][std::size_t(b)] += eps * s.cell.lattice[std::size_t(row)][std::size_t(a)];
                    return t;
                };
                const double fd = -(total_energy(pot, strained(h)) - total_energy(pot, strained(-h))) / (2 * h);
                const double err = std::abs(fd - r.virial[std::size_t(3 * a + b)]);
                worst_w = std::max(worst_w, err);
                INFO(name << " virial " << a << b << " analytic " << r.virial[std::size_t(3 * a + b)] << " fd " << fd);
                CHECK(err <= tol * (1 + std::abs(fd)));
            }
    }
    std::printf("%-36s fd: max |dF| = %.2e eV/Å, max |dW| = %.2e eV\n", name.c_str(), worst_f, worst_w);
}

// Translation, rotation, permutation and periodic-image invariance. Results differ only by the
// order of floating-point sums: reordering a sum of n terms moves it by <= n eps of the sum of
// their magnitudes, so the total energy (<= 64 per-atom energies, mostly of one sign) by
// 64 eps |E|, ten times that allowed; forces, sums of O(100) edge terms whose size the largest
// force bounds, by 1e-12 relative of that (~5000 eps) plus 1e-11 eV/Å for forces that nearly
// cancel.
inline void check_invariances(const Potential& pot, const Structure& s, const std::string& name) {
    const EipResult<double> ref = pot.compute(s);
    const double etol = 640 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(ref.energy));
    double fscale = 1;
    for (double f : ref.forces) fscale = std::max(fscale, std::abs(f));
    const double ftol = 1e-11 + 1e-12 * fscale;
    INFO(name);
    {  // translation (and wrapping across the cell)
        Structure t = s;
        for (index_t i = 0; i < t.size(); ++i)
            for (int k = 0; k < 3; ++k) t.positions[3 * std::size_t(i) + std::size_t(k)] += 3.7 + 0.3 * k;
        const auto r = pot.compute(t);
        CHECK(std::abs(r.energy - ref.energy) <= etol);
        CHECK(max_abs_diff(r.forces, ref.forces) <= ftol);
    }
    {  // rotation R (rows): positions and lattice rows r -> R r; forces rotate the same way
        const double a = 0.7, b = -1.1;
        const Mat3 R{Vec3{std::cos(a), -std::sin(a) * std::cos(b), std::sin(a) * std::sin(b)},
                     Vec3{std::sin(a), std::cos(a) * std::cos(b), -std::cos(a) * std::sin(b)},
                     Vec3{0, std::sin(b), std::cos(b)}};
        auto rot = [&](const Vec3& v) { return Vec3{dot(R[0], v), dot(R[1], v), dot(R[2], v)}; };
        Structure t = s;
        for (auto& row : t.cell.lattice) row = rot(row);
        for (index_t i = 0; i < t.size(); ++i) {
            const Vec3 v = rot(s.position(i));
            for (int k = 0; k < 3; ++k) t.positions[3 * std::size_t(i) + std::size_t(k)] = v[std::size_t(k)];
        }
        const auto r = pot.compute(t);
        CHECK(std::abs(r.energy - ref.energy) <= etol);
        std::vector<double> expected(ref.forces.size());
        for (index_t i = 0; i < s.size(); ++i) {
            const Vec3 f = rot({ref.forces[3 * std::size_t(i)], ref.forces[3 * std::size_t(i) + 1], ref.forces[3 * std::size_t(i) + 2]});
            for (int k = 0; k < 3; ++k) expected[3 * std::size_t(i) + std::size_t(k)] = f[std::size_t(k)];
        }
        CHECK(max_abs_diff(r.forces, expected) <= ftol);
    }
    {  // permutation
        std::vector<std::size_t> perm(std::size_t(s.size()));
        std::iota(perm.begin(), perm.end(), 0);
        std::mt19937_64 rng(5);
        std::shuffle(perm.begin(), perm.end(), rng);
        Structure t = s;
        for (std::size_t i = 0; i < perm.size(); ++i) {
            t.numbers[i] = s.numbers[perm[i]];
            for (std::size_t k = 0; k < 3; ++k) t.positions[3 * i + k] = s.positions[3 * perm[i] + k];
        }
        const auto r = pot.compute(t);
        CHECK(std::abs(r.energy - ref.energy) <= etol);
        double worst = 0, worst_e = 0;
        for (std::size_t i = 0; i < perm.size(); ++i) {
            worst_e = std::max(worst_e, std::abs(r.atom_energies[i] - ref.atom_energies[perm[i]]));
            for (std::size_t k = 0; k < 3; ++k)
                worst = std::max(worst, std::abs(r.forces[3 * i + k] - ref.forces[3 * perm[i] + k]));
        }
        CHECK(worst <= ftol);
        CHECK(worst_e <= etol);
    }
    if (s.cell.has_lattice) {  // periodic images: move atoms by whole lattice vectors
        Structure t = s;
        for (index_t i = 0; i < t.size(); i += 2)
            for (int k = 0; k < 3; ++k)
                t.positions[3 * std::size_t(i) + std::size_t(k)] += s.cell.lattice[0][std::size_t(k)] - 2 * s.cell.lattice[2][std::size_t(k)];
        const auto r = pot.compute(t);
        CHECK(std::abs(r.energy - ref.energy) <= etol);
        CHECK(max_abs_diff(r.forces, ref.forces) <= ftol);
        for (int c = 0; c < 9; ++c) CHECK(std::abs(r.virial[std::size_t(c)] - ref.virial[std::size_t(c)]) <= etol + ftol);
    }
}

// Float against double. A float evaluation rounds every table lookup, exponential and sum at
// eps_f ~ 6e-8 relative; per atom it sums O(n_terms) terms of size <~ |E_i| and derivatives whose
// cancellation amplifies the error by at most the ratio of the largest term to the result.
// n_terms is the number of neighbours n_nb (n_nb <~ 100 here) or, for potentials whose energy
// sums over pairs of neighbours (`triplets`: bond orders, angles), n_nb (n_nb + 1) / 2.
// Tolerance: n_terms * eps_f * scale, scale the largest per-atom energy / force magnitude.
inline void check_float_matches_double(const Potential& pot, const Structure& s, const std::string& name,
                                       bool triplets = false) {
    const auto nl = build_neighbor_list(s, pot.cutoff());
    EipResult<double> d;
    EipResult<float> f;
    pot.compute(s, nl, Host{}, d);
    pot.compute(s, nl, Host{}, f);
    double max_nb = 1;
    for (index_t i = 0; i < s.size(); ++i) max_nb = std::max(max_nb, double(nl.degree(i)));
    const double n_terms = triplets ? max_nb * (max_nb + 1) / 2 : max_nb;
    const double eps_f = double(std::numeric_limits<float>::epsilon());
    double escale = 1, fscale = 1;
    for (double e : d.atom_energies) escale = std::max(escale, std::abs(e));
    for (double x : d.forces) fscale = std::max(fscale, std::abs(x));
    double worst_e = 0, worst_f = 0;
    for (std::size_t i = 0; i < d.atom_energies.size(); ++i)
        worst_e = std::max(worst_e, std::abs(double(f.atom_energies[i]) - d.atom_energies[i]));
    for (std::size_t k = 0; k < d.forces.size(); ++k) worst_f = std::max(worst_f, std::abs(double(f.forces[k]) - d.forces[k]));
    INFO(name << " float vs double: max |dE_i| " << worst_e << " max |dF| " << worst_f << " terms " << n_terms);
    CHECK(std::abs(f.energy - d.energy) <= n_terms * eps_f * escale * double(s.size()));
    CHECK(worst_e <= n_terms * eps_f * escale);
    CHECK(worst_f <= n_terms * eps_f * fscale * 10);
    std::printf("%-36s float: max |dE_i| = %.2e eV (tol %.1e), max |dF| = %.2e eV/Å (tol %.1e)\n", name.c_str(),
                worst_e, n_terms * eps_f * escale, worst_f, n_terms * eps_f * fscale * 10);
}

// The Host's reductions are thread-count independent, so 1, 2 and 3 threads agree bit for bit (3:
// an odd split, and the threads that finish first take work from the others' ranges). A result
// without the virial has the same energies and forces, and a NaN virial.
inline void check_threads_identical(const Potential& pot, const Structure& s) {
    const NeighborList nl = build_neighbor_list(s, pot.cutoff());
    EipResult<double> a;
    pot.compute(s, nl, Host{1}, a);
    for (const int threads : {2, 3}) {
        CAPTURE(threads);
        EipResult<double> b;
        pot.compute(s, nl, Host{threads}, b);
        CHECK(a.energy == b.energy);
        CHECK(a.atom_energies == b.atom_energies);
        CHECK(a.forces == b.forces);
        CHECK(a.virial == b.virial);
    }
    EipResult<double> c;
    c.want_virial = false;
    pot.compute(s, nl, Host{2}, c);
    CHECK(c.energy == a.energy);
    CHECK(c.forces == a.forces);
    for (const double w : c.virial) CHECK(std::isnan(w));
}

}  // namespace eipnn::test
