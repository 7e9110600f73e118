// Crystal prototypes for one element, as conventional cells in fractional coordinates, scaled so
// the nearest-neighbour distance equals a requested bond length. The unlabelled pool of
// METHOD.md is made from these under strain and rattling.
//
// Structures (Strukturbericht / Pearson), lattice ratios for the ideal or typical case:
//   diamond A4 cF8, bcc A2 cI2, fcc A1 cF4, sc Ah cP1, hcp A3 hP2 (c/a = sqrt(8/3)),
//   hexagonal diamond (lonsdaleite, hP4, c/a = sqrt(8/3), u = 3/8), beta-Sn A5 tI4 (c/a = 0.55,
//   the Si high-pressure value), sh (simple hexagonal, hP1, c/a = 0.94, Si-V), graphite A9 hP4
//   (c/a = 2.73), bc8 (Si-III, cI16, Ia-3, 16c with x = 0.1003), A15 (beta-W, cP8).
#pragma once
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn {

struct Prototype {
    std::string name;
    Mat3 lattice;                    // conventional cell for a = 1 (rows)
    std::vector<Vec3> fractional;    // basis, fractional coordinates
};

inline std::vector<std::string> prototype_names() {
    return {"diamond", "bcc", "fcc", "sc", "hcp", "hexagonal_diamond", "beta_sn", "sh", "graphite", "bc8", "a15"};
}

inline Prototype prototype(const std::string& name) {
    const double s3 = std::sqrt(3.0);
    const Mat3 cubic{Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}};
    auto hexagonal = [&](double c_over_a) { return Mat3{Vec3{1, 0, 0}, Vec3{-0.5, s3 / 2, 0}, Vec3{0, 0, c_over_a}}; };
    const double ideal = std::sqrt(8.0 / 3.0);
    if (name == "diamond")
        return {name, cubic, {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                              {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}}};
    if (name == "bcc") return {name, cubic, {{0, 0, 0}, {.5, .5, .5}}};
    if (name == "fcc") return {name, cubic, {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}}};
    if (name == "sc") return {name, cubic, {{0, 0, 0}}};
    if (name == "hcp") return {name, hexagonal(ideal), {{1. / 3, 2. / 3, .25}, {2. / 3, 1. / 3, .75}}};
    if (name == "hexagonal_diamond")
        return {name, hexagonal(ideal),
                {{1. / 3, 2. / 3, 0}, {2. / 3, 1. / 3, .5}, {1. / 3, 2. / 3, .375}, {2. / 3, 1. / 3, .875}}};
    if (name == "beta_sn")
        return {name, Mat3{Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 0.55}},
                {{0, 0, 0}, {0, .5, .25}, {.5, .5, .5}, {.5, 0, .75}}};
    if (name == "sh") return {name, hexagonal(0.94), {{0, 0, 0}}};
    if (name == "graphite")
        return {name, hexagonal(2.73), {{0, 0, .25}, {0, 0, .75}, {1. / 3, 2. / 3, .25}, {2. / 3, 1. / 3, .75}}};
    if (name == "bc8") {
        const double x = 0.1003;
        std::vector<Vec3> basis;
        const Vec3 half[8] = {{x, x, x},           {.5 - x, -x, x + .5}, {-x, x + .5, .5 - x}, {x + .5, .5 - x, -x},
                              {-x, -x, -x},        {x + .5, x, .5 - x},  {x, .5 - x, x + .5},  {.5 - x, x + .5, x}};
        for (const Vec3& f : half)
            for (int centring = 0; centring < 2; ++centring) {
                Vec3 p = f;
                for (double& c : p) {
                    c += 0.5 * centring;
                    c -= std::floor(c);
                }
                basis.push_back(p);
            }
        return {name, cubic, basis};
    }
    if (name == "a15")
        return {name, cubic, {{0, 0, 0}, {.5, .5, .5}, {.25, 0, .5}, {.75, 0, .5},
                              {.5, .25, 0}, {.5, .75, 0}, {0, .5, .25}, {0, .5, .75}}};
    throw Error(str("unknown crystal prototype '", name, "'"), "prototype",
                "use one of diamond, bcc, fcc, sc, hcp, hexagonal_diamond, beta_sn, sh, graphite, bc8, a15");
}

// Nearest-neighbour distance of a prototype cell (as given, before scaling).
inline double nearest_neighbor_distance(const Structure& s) {
    // every lattice vector joins an atom to its own image, so the nearest neighbour is no farther
    // than the longest one; 1 % more keeps that image inside the strict cutoff test
    double cutoff = 0;
    for (const Vec3& row : s.cell.lattice) cutoff = std::max(cutoff, 1.01 * norm(row));
    NeighborOptions opt;
    opt.min_distance = 0;
    const NeighborList nl = build_neighbor_list(s, cutoff, opt);
    double d = 1e300;
    for (double r : nl.distances) d = std::min(d, r);
    return d;
}

// The prototype's conventional cell with lattice constant `a` Å (its a = 1 lattice scaled by a),
// repeated reps[0..2] times, all atoms of atomic number z: e.g. conventional_cell(prototype("bcc"),
// 42, 3.147, {2, 2, 1}) for 8 atoms of bcc Mo.
inline Structure conventional_cell(const Prototype& p, int z, double a, const std::array<int, 3>& reps = {1, 1, 1}) {
    if (!(a > 0)) throw Error(str("lattice constant must be positive, got ", a), "conventional_cell");
    Structure s;
    Mat3 L = p.lattice;
    for (int d = 0; d < 3; ++d)
        for (int k = 0; k < 3; ++k) L[d][k] *= a * reps[d];
    s.cell = Cell::periodic(L);
    for (int i = 0; i < reps[0]; ++i)
        for (int j = 0; j < reps[1]; ++j)
            for (int k = 0; k < reps[2]; ++k)
                for (const Vec3& f : p.fractional) {
                    const Vec3 shifted{(f[0] + i) / reps[0], (f[1] + j) / reps[1], (f[2] + k) / reps[2]};
                    const Vec3 r = row_times(shifted, L);
                    s.positions.insert(s.positions.end(), r.begin(), r.end());
                    s.numbers.push_back(z);
                }
    return s;
}

// The prototype as a periodic structure of atomic number z, repeated reps[0..2] times, scaled so
// its nearest-neighbour distance is `bond` Å.
inline Structure build_prototype(const Prototype& p, int z, double bond, const std::array<int, 3>& reps = {1, 1, 1}) {
    if (!(bond > 0)) throw Error(str("bond length must be positive, got ", bond), "build_prototype");
    return conventional_cell(p, z, bond / nearest_neighbor_distance(conventional_cell(p, z, 1.0)), reps);
}

// Applies the deformation F = I + strain (symmetric 3x3) to cell and positions: r' = r (I + e).
inline void apply_strain(Structure& s, const Mat3& strain) {
    Mat3 F = strain;
    for (int d = 0; d < 3; ++d) F[d][d] += 1.0;
    for (Vec3& row : s.cell.lattice) row = row_times(row, F);
    for (index_t i = 0; i < s.size(); ++i) {
        const Vec3 r = row_times(s.position(i), F);
        for (int k = 0; k < 3; ++k) s.positions[3 * std::size_t(i) + std::size_t(k)] = r[std::size_t(k)];
    }
}

}  // namespace eipnn
