// Thread-count independence of a Potential: shared by both EIP test harnesses (eip_fd.hpp and
// eip_b_checks.hpp).
#pragma once
#include <catch2/catch.hpp>

#include <cmath>

#include "eipnn/eip/potential.hpp"

namespace eipnn::test {

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
