// Structures the tests build in code: crystals (from geometry/prototypes.hpp), rattled and
// sheared cells, clusters.
#pragma once
#include <cmath>
#include <random>
#include <string>

#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn::test {

// A conventional cubic crystal from geometry/prototypes.hpp ("diamond", "fcc", "bcc", ...) of
// lattice constant a (Å), repeated n0 x n1 x n2, every atom of atomic number z.
inline Structure crystal(const std::string& name, double a, int n0 = 1, int n1 = 1, int n2 = 1, int z = 14) {
    return conventional_cell(prototype(name), z, a, {n0, n1, n2});
}
inline Structure diamond(double a, int n0 = 1, int n1 = 1, int n2 = 1, int z = 14) {
    return crystal("diamond", a, n0, n1, n2, z);
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

// Atoms of a crystal within `radius` of `centre` (by default its first atom), as a free cluster.
inline Structure cluster_of(const Structure& s, double radius, const Vec3& centre) {
    Structure c;
    c.cell = Cell::free_cluster();
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = s.position(i);
        if (norm(Vec3{r[0] - centre[0], r[1] - centre[1], r[2] - centre[2]}) <= radius) {
            c.positions.insert(c.positions.end(), r.begin(), r.end());
            c.numbers.push_back(s.numbers[std::size_t(i)]);
        }
    }
    return c;
}
inline Structure cluster_of(const Structure& s, double radius) { return cluster_of(s, radius, s.position(0)); }

// Gaussian displacements of standard deviation sigma (Å) on every coordinate.
inline void rattle(Structure& s, double sigma, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, sigma);
    for (double& x : s.positions) x += g(rng);
}

// Two-atom primitive diamond cell (fcc vectors), rattled: every lattice vector is about the size
// of a typical cutoff, so many periodic images of each atom interact.
inline Structure primitive_diamond(double a, unsigned seed, int z = 14) {
    Structure s;
    s.cell = Cell::periodic({Vec3{0, a / 2, a / 2}, Vec3{a / 2, 0, a / 2}, Vec3{a / 2, a / 2, 0}});
    s.positions = {0, 0, 0, a / 4, a / 4, a / 4};
    s.numbers = {z, z};
    rattle(s, 0.05, seed);
    return s;
}

// Random triclinic cell: lengths in [lmin, lmax], angles in [amin, amax] degrees, n atoms at random
// fractional positions (optionally pushed outside the cell by whole lattice vectors), with atoms
// kept at least dmin apart when possible.
inline Structure random_triclinic(int n, double lmin, double lmax, double amin_deg, double amax_deg, unsigned seed,
                                  bool outside = false) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double deg = M_PI / 180.0;
    const double la = lmin + (lmax - lmin) * u(rng), lb = lmin + (lmax - lmin) * u(rng),
                 lc = lmin + (lmax - lmin) * u(rng);
    double alpha, beta, gamma, cx, cy, cz2;
    do {  // angles that give a real cell
        alpha = (amin_deg + (amax_deg - amin_deg) * u(rng)) * deg;
        beta = (amin_deg + (amax_deg - amin_deg) * u(rng)) * deg;
        gamma = (amin_deg + (amax_deg - amin_deg) * u(rng)) * deg;
        cx = std::cos(beta);
        cy = (std::cos(alpha) - std::cos(beta) * std::cos(gamma)) / std::sin(gamma);
        cz2 = 1 - cx * cx - cy * cy;
    } while (cz2 < 0.05);
    Structure s;
    // a generic orientation, not aligned with the axes: rotate by a fixed random rotation
    Mat3 L{Vec3{la, 0, 0}, Vec3{lb * std::cos(gamma), lb * std::sin(gamma), 0},
           Vec3{lc * cx, lc * cy, lc * std::sqrt(cz2)}};
    const double t1 = 2 * M_PI * u(rng), t2 = 2 * M_PI * u(rng);
    for (auto& row : L) {
        const double x = row[0] * std::cos(t1) - row[1] * std::sin(t1), y = row[0] * std::sin(t1) + row[1] * std::cos(t1);
        const double y2 = y * std::cos(t2) - row[2] * std::sin(t2), z2 = y * std::sin(t2) + row[2] * std::cos(t2);
        row = {x, y2, z2};
    }
    s.cell = Cell::periodic(L);
    std::uniform_int_distribution<int> img(-2, 2);
    for (int i = 0; i < n; ++i) {
        Vec3 f{u(rng), u(rng), u(rng)};
        if (outside)
            for (double& c : f) c += img(rng);
        const Vec3 r = row_times(f, L);
        s.positions.insert(s.positions.end(), r.begin(), r.end());
        s.numbers.push_back(14);
    }
    return s;
}

}  // namespace eipnn::test
