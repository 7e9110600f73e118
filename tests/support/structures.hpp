// Structures the tests build in code: crystals, rattled and sheared cells, clusters.
#pragma once
#include <cmath>
#include <random>

#include "eipnn/geometry/structure.hpp"

namespace eipnn::test {

// Conventional 8-atom diamond cell of lattice constant a, repeated n0 x n1 x n2.
inline Structure diamond(double a, int n0 = 1, int n1 = 1, int n2 = 1, int z = 14) {
    const double basis[8][3] = {{0, 0, 0},       {0, .5, .5},     {.5, 0, .5},     {.5, .5, 0},
                                {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    Structure s;
    s.cell = Cell::periodic({Vec3{a * n0, 0, 0}, Vec3{0, a * n1, 0}, Vec3{0, 0, a * n2}});
    for (int i = 0; i < n0; ++i)
        for (int j = 0; j < n1; ++j)
            for (int k = 0; k < n2; ++k)
                for (const auto& b : basis) {
                    s.positions.push_back(a * (i + b[0]));
                    s.positions.push_back(a * (j + b[1]));
                    s.positions.push_back(a * (k + b[2]));
                    s.numbers.push_back(z);
                }
    return s;
}

// Gaussian displacements of standard deviation sigma (Å) on every coordinate.
inline void rattle(Structure& s, double sigma, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, sigma);
    for (double& x : s.positions) x += g(rng);
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
