// The O(N^2 · images) reference the neighbour list is tested against: every pair, every image
// within reach, nothing clever. Returns edges keyed by (i, j, shift) for set comparison.
#pragma once
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include "eipnn/geometry/structure.hpp"

namespace eipnn::test {

using EdgeKey = std::tuple<int, int, int, int, int>;  // i, j, s0, s1, s2

inline std::map<EdgeKey, double> brute_force_neighbors(const Structure& s, double cutoff) {
    std::map<EdgeKey, double> edges;
    const bool has = s.cell.has_lattice;
    const Mat3 L = has ? s.cell.lattice : Mat3{};
    Cell c = s.cell;
    const Mat3 full = c.completed_lattice();
    const Mat3 inv = inverse(full);
    int reach[3] = {0, 0, 0};
    for (int d = 0; d < 3; ++d)
        if (has && s.cell.pbc[d]) {
            Cell cc = s.cell;
            cc.lattice = full;
            reach[d] = int(std::ceil(cutoff / cc.perpendicular_width(d))) + 1;
        }
    for (index_t i = 0; i < s.size(); ++i)
        for (index_t j = 0; j < s.size(); ++j) {
            // centre the image search on the image that brings j closest to i in fractional terms
            const Vec3 ri = s.position(i), rj = s.position(j);
            const Vec3 diff{ri[0] - rj[0], ri[1] - rj[1], ri[2] - rj[2]};
            const Vec3 fd = row_times(diff, inv);
            int centre[3];
            for (int d = 0; d < 3; ++d) centre[d] = (has && s.cell.pbc[d]) ? int(std::lround(fd[d])) : 0;
            for (int a = centre[0] - reach[0]; a <= centre[0] + reach[0]; ++a)
                for (int b = centre[1] - reach[1]; b <= centre[1] + reach[1]; ++b)
                    for (int k = centre[2] - reach[2]; k <= centre[2] + reach[2]; ++k) {
                        if (i == j && a == 0 && b == 0 && k == 0) continue;
                        double v[3];
                        for (int x = 0; x < 3; ++x) v[x] = rj[x] + a * L[0][x] + b * L[1][x] + k * L[2][x] - ri[x];
                        const double r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
                        if (r2 < cutoff * cutoff) edges[{i, j, a, b, k}] = std::sqrt(r2);
                    }
        }
    return edges;
}

}  // namespace eipnn::test
