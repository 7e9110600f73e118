// Neighbour lists against the brute-force reference on synthetic cells: sheared triclinic cells,
// cells smaller than the cutoff, partial periodicity, free clusters, atoms outside the cell;
// plus the structural guarantees (CSR order, reverse involution, thread independence) and errors.
#include <catch2/catch.hpp>

#include "eipnn/geometry/neighbor_list.hpp"
#include "support/brute_force_neighbors.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

// Same edge set, shifts and distances as brute force; sorted CSR; reverse is an involution that
// maps (i, j, S) to (j, i, -S).
void check_against_brute_force(const Structure& s, double cutoff, const NeighborOptions& opt = {}) {
    const NeighborList nl = build_neighbor_list(s, cutoff, opt);
    const auto ref = test::brute_force_neighbors(s, cutoff);
    REQUIRE(nl.n_edges() == index_t(ref.size()));
    REQUIRE(nl.n_atoms() == s.size());
    for (index_t i = 0; i < nl.n_atoms(); ++i)
        for (index_t e = nl.offsets[i]; e < nl.offsets[i + 1]; ++e) {
            REQUIRE(nl.centers[e] == i);
            const test::EdgeKey key{i, nl.neighbors[e], nl.shifts[3 * e], nl.shifts[3 * e + 1], nl.shifts[3 * e + 2]};
            const auto it = ref.find(key);
            REQUIRE(it != ref.end());
            // Both compute r_j + S·L - r_i in the same order of operations up to summation
            // order of the shift terms: a few ulps of the largest coordinate involved.
            const double scale = 1.0 + std::abs(it->second) + 64.0;
            REQUIRE(std::abs(nl.distances[e] - it->second) <= 16 * test::eps<double>() * scale);
            if (e > nl.offsets[i]) {
                const auto prev = edge_sort_key(nl.neighbors[e - 1], nl.shifts[3 * e - 3], nl.shifts[3 * e - 2], nl.shifts[3 * e - 1]);
                const auto cur = edge_sort_key(nl.neighbors[e], nl.shifts[3 * e], nl.shifts[3 * e + 1], nl.shifts[3 * e + 2]);
                REQUIRE(prev < cur);
            }
            const index_t r = nl.reverse[e];
            REQUIRE(nl.reverse[r] == e);
            REQUIRE(nl.centers[r] == nl.neighbors[e]);
            REQUIRE(nl.neighbors[r] == i);
            for (int c = 0; c < 3; ++c) {
                REQUIRE(nl.shifts[3 * r + c] == -nl.shifts[3 * e + c]);
                REQUIRE(std::abs(nl.vectors[3 * r + c] + nl.vectors[3 * e + c]) <= 64 * test::eps<double>() * scale);
            }
        }
}

NeighborOptions allow_close() {
    NeighborOptions o;
    o.min_distance = 0;  // random test points may come close; overlap has its own test
    return o;
}

}  // namespace

TEST_CASE("neighbour list: diamond Si matches brute force and has 4 neighbours at 2.5 Å", "[neighbors]") {
    const Structure s = test::diamond(5.43, 2, 2, 2);
    check_against_brute_force(s, 5.0);
    const NeighborList nl = build_neighbor_list(s, 2.5);
    for (index_t i = 0; i < s.size(); ++i) REQUIRE(nl.degree(i) == 4);
}

TEST_CASE("neighbour list: random triclinic cells sheared up to 60 degrees", "[neighbors]") {
    for (unsigned seed = 1; seed <= 12; ++seed) {
        INFO("seed " << seed);
        const Structure s = test::random_triclinic(40, 6.0, 11.0, 30.0, 150.0, seed);
        check_against_brute_force(s, 5.0, allow_close());
    }
}

TEST_CASE("neighbour list: cells smaller than the cutoff (many images of one atom)", "[neighbors]") {
    for (unsigned seed = 20; seed <= 27; ++seed) {
        INFO("seed " << seed);
        const Structure s = test::random_triclinic(3, 2.0, 4.0, 40.0, 140.0, seed);
        check_against_brute_force(s, 7.0, allow_close());
    }
    Structure one;  // a single atom in a 2 Å cube: all its images out to 5 Å
    one.cell = Cell::periodic({Vec3{2, 0, 0}, Vec3{0, 2, 0}, Vec3{0, 0, 2}});
    one.positions = {0.3, 0.2, 0.1};
    one.numbers = {14};
    check_against_brute_force(one, 5.0);
    const NeighborList nl = build_neighbor_list(one, 5.0);
    REQUIRE(nl.n_edges() > 60);
}

TEST_CASE("neighbour list: atoms outside the cell keep their raw positions", "[neighbors]") {
    for (unsigned seed = 30; seed <= 35; ++seed) {
        INFO("seed " << seed);
        const Structure s = test::random_triclinic(30, 5.0, 9.0, 35.0, 145.0, seed, /*outside=*/true);
        check_against_brute_force(s, 5.0, allow_close());
    }
}

TEST_CASE("neighbour list: partial periodicity and free clusters", "[neighbors]") {
    for (unsigned seed = 40; seed <= 45; ++seed) {
        Structure s = test::random_triclinic(30, 5.0, 9.0, 40.0, 140.0, seed, true);
        for (int mask = 0; mask < 8; ++mask) {
            INFO("seed " << seed << " pbc mask " << mask);
            s.cell.pbc = {bool(mask & 1), bool(mask & 2), bool(mask & 4)};
            check_against_brute_force(s, 5.0, allow_close());
        }
        // periodic in a and b only, with a zero c vector: a slab
        Structure slab = s;
        slab.cell.pbc = {true, true, false};
        slab.cell.lattice[2] = Vec3{0, 0, 0};
        check_against_brute_force(slab, 5.0, allow_close());
        // a free cluster without any lattice
        Structure cluster = s;
        cluster.cell = Cell::free_cluster();
        check_against_brute_force(cluster, 5.0, allow_close());
    }
}

TEST_CASE("neighbour list: identical for 1 and 2 threads", "[neighbors]") {
    Structure s = test::diamond(5.43, 4, 4, 4);
    test::rattle(s, 0.1, 7);
    const NeighborList a = build_neighbor_list(s, 5.0, {}, Host{1});
    const NeighborList b = build_neighbor_list(s, 5.0, {}, Host{2});
    REQUIRE(a.offsets == b.offsets);
    REQUIRE(a.neighbors == b.neighbors);
    REQUIRE(a.shifts == b.shifts);
    REQUIRE(a.vectors == b.vectors);
    REQUIRE(a.reverse == b.reverse);
}

TEST_CASE("neighbour list: empty structure gives an empty list", "[neighbors]") {
    Structure s;
    s.cell = Cell::periodic({Vec3{3, 0, 0}, Vec3{0, 3, 0}, Vec3{0, 0, 3}});
    const NeighborList nl = build_neighbor_list(s, 5.0);
    REQUIRE(nl.n_atoms() == 0);
    REQUIRE(nl.n_edges() == 0);
    REQUIRE(nl.offsets.size() == 1);
}

TEST_CASE("neighbour list: bad input gives errors that say what and where", "[neighbors][errors]") {
    Structure s = test::diamond(5.43);
    SECTION("overlapping atoms") {
        s.positions[3] = s.positions[0] + 1e-3;
        s.positions[4] = s.positions[1];
        s.positions[5] = s.positions[2];
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 5.0), Catch::Contains("atoms 0 and 1") && Catch::Contains("apart"));
    }
    SECTION("NaN coordinate") {
        s.positions[7] = std::nan("");
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 5.0), Catch::Contains("atom 2") && Catch::Contains("finite"));
    }
    SECTION("periodic without a lattice") {
        s.cell.has_lattice = false;
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 5.0), Catch::Contains("without a lattice"));
    }
    SECTION("degenerate lattice") {
        s.cell.lattice[2] = s.cell.lattice[0];
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 5.0), Catch::Contains("linearly dependent"));
    }
    SECTION("non-positive cutoff") {
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 0.0), Catch::Contains("cutoff"));
        REQUIRE_THROWS_WITH(build_neighbor_list(s, std::nan("")), Catch::Contains("cutoff"));
    }
    SECTION("mismatched arrays") {
        s.numbers.pop_back();
        REQUIRE_THROWS_WITH(build_neighbor_list(s, 5.0), Catch::Contains("need 3 per atom"));
    }
}

TEST_CASE("neighbour list: pairs at exactly the cutoff keep both directions or neither", "[neighbors]") {
    // Regression: with the edge vector summed in a different order for i -> j and j -> i, a pair
    // whose distance rounds to the cutoff could be kept in one direction only.
    for (unsigned seed = 50; seed <= 57; ++seed) {
        const Structure s = test::random_triclinic(24, 4.0, 8.0, 35.0, 145.0, seed, true);
        NeighborOptions loose;
        loose.min_distance = 0;
        const NeighborList probe = build_neighbor_list(s, 6.0, loose);
        for (index_t e = 0; e < probe.n_edges(); e += 97) {
            const double cutoff = probe.distances[e];  // a distance that occurs in the structure
            INFO("seed " << seed << " cutoff " << cutoff);
            const NeighborList nl = build_neighbor_list(s, cutoff, loose);
            for (index_t k = 0; k < nl.n_edges(); ++k) REQUIRE(nl.reverse[nl.reverse[k]] == k);
        }
    }
}

// Found by tests/fuzz/fuzz_sw.cpp --long (a Stillinger-Weber file whose a * sigma is 1e-11 Å): the
// bin count along a free direction, extent / cutoff, overflowed index_t before the bin cap applied
// (undefined behaviour; the sanitized run reports it).
TEST_CASE("neighbour list: a tiny cutoff over a wide free cluster bins without overflow", "[neighbors]") {
    Structure s;
    s.positions = {0, 0, 0, 30, 0, 0, 0, 40, 0, 0, 0, 50};
    s.numbers = {14, 14, 14, 14};
    const NeighborList nl = build_neighbor_list(s, 1e-11);
    CHECK(nl.n_atoms() == 4);
    CHECK(nl.n_edges() == 0);
}
