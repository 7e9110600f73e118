// The smallest useful downstream program: a diamond Si cell, its neighbour list, and the count of
// neighbours within 2.5 Å (4 for every atom of a perfect diamond lattice).
#include <cstdio>

#include "eipnn/geometry/neighbor_list.hpp"

int main() {
    const double a = 5.43;
    const double basis[8][3] = {{0, 0, 0},       {0, .5, .5},     {.5, 0, .5},     {.5, .5, 0},
                                {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    eipnn::Structure s;
    s.cell = eipnn::Cell::periodic({eipnn::Vec3{a, 0, 0}, eipnn::Vec3{0, a, 0}, eipnn::Vec3{0, 0, a}});
    for (const auto& b : basis) {
        for (double f : b) s.positions.push_back(a * f);
        s.numbers.push_back(14);
    }
    const eipnn::NeighborList nl = eipnn::build_neighbor_list(s, 2.5);
    for (eipnn::index_t i = 0; i < s.size(); ++i)
        if (nl.degree(i) != 4) {
            std::printf("atom %d has %d neighbours, expected 4\n", i, nl.degree(i));
            return 1;
        }
    std::printf("ok: %d atoms, %d edges\n", s.size(), nl.n_edges());
    return 0;
}
