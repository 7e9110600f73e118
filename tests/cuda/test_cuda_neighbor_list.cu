// The device neighbour list is the host's, edge for edge: same order, shifts, reverse index;
// vectors and distances to the last bit (the same functors do the arithmetic).
#include <catch2/catch.hpp>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/neighbor_list.cuh"
#include "support/structures.hpp"

using namespace eipnn;

namespace {
void compare_host_device(const Structure& s, double cutoff, const NeighborOptions& opt = {}) {
    const NeighborList host = build_neighbor_list(s, cutoff, opt);
    const NeighborList dev = eipnn::gpu::build_neighbor_list(Cuda{}, s, cutoff, opt).download();
    REQUIRE(dev.offsets == host.offsets);
    REQUIRE(dev.centers == host.centers);
    REQUIRE(dev.neighbors == host.neighbors);
    REQUIRE(dev.shifts == host.shifts);
    REQUIRE(dev.vectors == host.vectors);
    REQUIRE(dev.distances == host.distances);
    REQUIRE(dev.reverse == host.reverse);
    REQUIRE(dev.sort_keys == host.sort_keys);
}
}  // namespace

TEST_CASE("cuda neighbour list equals the host list", "[cuda][neighbors]") {
    test::require_gpu_or_skip();
    Structure s = test::diamond(5.43, 5, 5, 5);
    test::rattle(s, 0.1, 3);
    compare_host_device(s, 5.0);
    NeighborOptions loose;
    loose.min_distance = 0;
    for (unsigned seed = 1; seed <= 6; ++seed) compare_host_device(test::random_triclinic(20, 2.5, 9.0, 30, 150, seed, true), 6.0, loose);
}

TEST_CASE("cuda neighbour list reports overlapping atoms like the host", "[cuda][neighbors][errors]") {
    test::require_gpu_or_skip();
    Structure s = test::diamond(5.43);
    s.positions[3] = s.positions[0];
    s.positions[4] = s.positions[1];
    s.positions[5] = s.positions[2];
    REQUIRE_THROWS_WITH(eipnn::gpu::build_neighbor_list(Cuda{}, s, 5.0), Catch::Contains("atoms 0 and 1"));
}
