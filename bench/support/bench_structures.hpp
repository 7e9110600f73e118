// Structures the benchmarks build in code (they must not depend on the test tree).
#pragma once
#include <random>

#include "eipnn/geometry/structure.hpp"

namespace eipnn::bench {

// Diamond lattice (8-atom conventional cell, constant a) repeated reps^3 times.
inline Structure diamond(double a, int reps, int z = 14) {
    const double basis[8][3] = {{0, 0, 0},       {0, .5, .5},     {.5, 0, .5},     {.5, .5, 0},
                                {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    Structure s;
    s.cell = Cell::periodic({Vec3{a * reps, 0, 0}, Vec3{0, a * reps, 0}, Vec3{0, 0, a * reps}});
    for (int i = 0; i < reps; ++i)
        for (int j = 0; j < reps; ++j)
            for (int k = 0; k < reps; ++k)
                for (const auto& b : basis) {
                    s.positions.insert(s.positions.end(), {a * (i + b[0]), a * (j + b[1]), a * (k + b[2])});
                    s.numbers.push_back(z);
                }
    return s;
}

inline void rattle(Structure& s, double sigma, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, sigma);
    for (double& x : s.positions) x += g(rng);
}

}  // namespace eipnn::bench
