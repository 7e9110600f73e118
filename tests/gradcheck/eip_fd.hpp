// Checks every EIP must pass, independent of any reference code: forces and virial against
// central finite differences of the energy (double), invariances (translation, rotation,
// permutation, periodic image), float against double, and 1 vs 2 threads.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <random>

#include "eipnn/eip/potential.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"
#include "gradcheck/eip_threads.hpp"

namespace eipnn::test {

inline double energy_of(const Potential& pot, const Structure& s) { return pot.compute(s).energy; }

// Central differences with h = 1e-5 Å. Error bound: truncation h^2/6 |E'''| (|E'''| <~ 1e3 eV/Å^3
// for these potentials at rattled geometries: ~2e-8) plus round-off ~ eps |E| / h (|E| <~ 300 eV:
// ~7e-9). A tolerance of 1e-6 eV/Å (+1e-6 relative) sits well above both and far below what a
// wrong or missing term produces (>= 1e-3).
inline void check_forces_fd(const Potential& pot, const Structure& s, int n_atoms_checked = 6) {
    constexpr double h = 1e-5;
    const EipResult<double> res = pot.compute(s);
    const index_t stride = std::max<index_t>(1, s.size() / n_atoms_checked);
    for (index_t i = 0; i < s.size(); i += stride)
        for (int c = 0; c < 3; ++c) {
            Structure p = s, m = s;
            p.positions[3 * std::size_t(i) + std::size_t(c)] += h;
            m.positions[3 * std::size_t(i) + std::size_t(c)] -= h;
            const double fd = -(energy_of(pot, p) - energy_of(pot, m)) / (2 * h);
            const double f = res.forces[3 * std::size_t(i) + std::size_t(c)];
            INFO("atom " << i << " component " << c << ": analytic " << f << " fd " << fd);
            CHECK(close(f, fd, 1e-6, 1e-6));
        }
}

// W_ba = -dE/d eps_ab under the homogeneous deformation x -> (I + eps) x of positions and
// lattice; same step and bound as the forces, times the cell size (~10 Å) for the lever arm.
inline void check_virial_fd(const Potential& pot, const Structure& s) {
    constexpr double h = 1e-6;
    const EipResult<double> res = pot.compute(s);
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            auto deformed = [&](double e) {
                Structure d = s;
                auto apply = [&](double* x) { x[a] += e * x[b]; };
                for (index_t i = 0; i < d.size(); ++i) apply(&d.positions[3 * std::size_t(i)]);
                for (auto& row : d.cell.lattice) apply(row.data());
                return d;
            };
            const double fd = -(energy_of(pot, deformed(h)) - energy_of(pot, deformed(-h))) / (2 * h);
            INFO("virial " << b << a << ": analytic " << res.virial[std::size_t(3 * b + a)] << " fd " << fd);
            CHECK(close(res.virial[std::size_t(3 * b + a)], fd, 1e-5, 1e-6));
        }
}

inline void check_invariances(const Potential& pot, const Structure& s) {
    const EipResult<double> ref = pot.compute(s);
    const double e_tol = 64 * eps<double>() * std::abs(ref.energy) * 10;
    double fmax = 0;
    for (double f : ref.forces) fmax = std::max(fmax, std::abs(f));
    const double f_tol = 1e-11 * std::max(1.0, fmax);
    // translation (and wrapping across the cell)
    {
        Structure t = s;
        for (index_t i = 0; i < t.size(); ++i)
            for (int c = 0; c < 3; ++c) t.positions[3 * std::size_t(i) + std::size_t(c)] += 3.7 + 0.3 * c;
        const auto r = pot.compute(t);
        CHECK(std::abs(r.energy - ref.energy) <= e_tol);
        for (std::size_t k = 0; k < r.forces.size(); ++k) CHECK(std::abs(r.forces[k] - ref.forces[k]) <= f_tol);
    }
    // rotation: energy unchanged, forces rotate
    {
        const double t = 0.9, u = -0.5;
        const Mat3 R{Vec3{std::cos(t), -std::sin(t), 0}, Vec3{std::sin(t) * std::cos(u), std::cos(t) * std::cos(u), -std::sin(u)},
                     Vec3{std::sin(t) * std::sin(u), std::cos(t) * std::sin(u), std::cos(u)}};
        auto rot = [&](const Vec3& v) { return Vec3{dot(R[0], v), dot(R[1], v), dot(R[2], v)}; };
        Structure rs = s;
        for (index_t i = 0; i < s.size(); ++i) {
            const Vec3 r = rot(s.position(i));
            for (int c = 0; c < 3; ++c) rs.positions[3 * std::size_t(i) + std::size_t(c)] = r[std::size_t(c)];
        }
        for (auto& row : rs.cell.lattice) row = rot(row);
        const auto r = pot.compute(rs);
        CHECK(std::abs(r.energy - ref.energy) <= e_tol);
        for (index_t i = 0; i < s.size(); ++i) {
            const Vec3 f = rot({ref.forces[3 * std::size_t(i)], ref.forces[3 * std::size_t(i) + 1], ref.forces[3 * std::size_t(i) + 2]});
            for (int c = 0; c < 3; ++c) CHECK(std::abs(r.forces[3 * std::size_t(i) + std::size_t(c)] - f[std::size_t(c)]) <= f_tol);
        }
    }
    // permutation: reversed atom order
    {
        Structure p = s;
        const std::size_t n = std::size_t(s.size());
        for (std::size_t i = 0; i < n; ++i) {
            p.numbers[i] = s.numbers[n - 1 - i];
            for (int c = 0; c < 3; ++c) p.positions[3 * i + std::size_t(c)] = s.positions[3 * (n - 1 - i) + std::size_t(c)];
        }
        const auto r = pot.compute(p);
        CHECK(std::abs(r.energy - ref.energy) <= e_tol);
        for (std::size_t i = 0; i < n; ++i)
            for (int c = 0; c < 3; ++c)
                CHECK(std::abs(r.forces[3 * i + std::size_t(c)] - ref.forces[3 * (n - 1 - i) + std::size_t(c)]) <= f_tol);
    }
    // periodic image: every other atom moved by a lattice vector combination
    if (s.cell.has_lattice) {
        Structure im = s;
        for (index_t i = 0; i < s.size(); i += 2)
            for (int c = 0; c < 3; ++c)
                im.positions[3 * std::size_t(i) + std::size_t(c)] += s.cell.lattice[0][std::size_t(c)] - 2 * s.cell.lattice[2][std::size_t(c)];
        const auto r = pot.compute(im);
        CHECK(std::abs(r.energy - ref.energy) <= e_tol);
        for (std::size_t k = 0; k < r.forces.size(); ++k) CHECK(std::abs(r.forces[k] - ref.forces[k]) <= f_tol);
    }
}

// Float against double: each per-atom energy and force sums O(100) terms of size up to the
// per-edge gradient scale, so the float result is within ~100 eps_f of that scale.
inline void check_float_vs_double(const Potential& pot, const Structure& s) {
    const NeighborList nl = build_neighbor_list(s, pot.cutoff());
    EipResult<double> d;
    EipResult<float> f;
    pot.compute(s, nl, Host{}, d);
    pot.compute(s, nl, Host{}, f);
    double e_scale = 0, f_scale = 0;
    for (double e : d.atom_energies) e_scale = std::max(e_scale, std::abs(e));
    for (double x : d.forces) f_scale = std::max(f_scale, std::abs(x));
    f_scale = std::max(f_scale, e_scale);  // forces near zero still carry eV-sized terms
    const double tol = 100 * eps<float>();
    CHECK(std::abs(f.energy - d.energy) <= tol * e_scale * double(s.size()));
    for (std::size_t i = 0; i < d.atom_energies.size(); ++i)
        CHECK(std::abs(double(f.atom_energies[i]) - d.atom_energies[i]) <= tol * e_scale);
    for (std::size_t k = 0; k < d.forces.size(); ++k) CHECK(std::abs(double(f.forces[k]) - d.forces[k]) <= tol * f_scale);
}

}  // namespace eipnn::test
