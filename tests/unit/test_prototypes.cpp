// Crystal prototypes: each has its textbook coordination at the nearest-neighbour distance after
// scaling, and strain acts on cell and atoms alike.
#include <catch2/catch.hpp>

#include <map>

#include "eipnn/geometry/prototypes.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("prototypes have their textbook first-shell coordination", "[prototypes]") {
    // (fewest, most) neighbours within 1.02 x the nearest-neighbour distance d over the atoms.
    // beta-Sn at c/a 0.55: 4 at d, 2 more at 1.06 d. sh at c/a 0.94: 2 along c at d, 6 in-plane at
    // 1.064 d. bc8 (x = 0.1003): 1 at d, 3 at 1.04 d. A15: chain sites have 2 at a/2 = d, the
    // corner and centre sites have none closer than 1.118 d.
    const std::map<std::string, std::pair<int, int>> coordination = {
        {"diamond", {4, 4}}, {"bcc", {8, 8}},     {"fcc", {12, 12}},     {"sc", {6, 6}},
        {"hcp", {12, 12}},   {"hexagonal_diamond", {4, 4}},              {"beta_sn", {4, 4}},
        {"sh", {2, 2}},      {"graphite", {3, 3}}, {"bc8", {1, 1}},       {"a15", {0, 2}}};
    for (const auto& [name, expected] : coordination) {
        INFO(name);
        const Structure s = build_prototype(prototype(name), 14, 2.35, {2, 2, 2});
        CHECK(nearest_neighbor_distance(s) == Approx(2.35).epsilon(1e-12));
        const NeighborList nl = build_neighbor_list(s, 2.35 * 1.02);
        index_t fewest = 1 << 30, most = 0;
        for (index_t i = 0; i < s.size(); ++i) {
            fewest = std::min(fewest, nl.degree(i));
            most = std::max(most, nl.degree(i));
        }
        CHECK(fewest == expected.first);
        CHECK(most == expected.second);
    }
}

TEST_CASE("bc8 has four neighbours within 2.4 Å at the Si-III lattice constant", "[prototypes]") {
    // Si-III: a = 6.636 Å (Crain et al. 1994); scale so that a matches.
    const Prototype p = prototype("bc8");
    Structure s = build_prototype(p, 14, 1.0);
    const double a = norm(s.cell.lattice[0]);
    Structure si = build_prototype(p, 14, 6.636 / a);
    const NeighborList nl = build_neighbor_list(si, 2.45);
    for (index_t i = 0; i < si.size(); ++i) REQUIRE(nl.degree(i) == 4);
    REQUIRE(si.size() == 16);
}

TEST_CASE("strain deforms cell and positions together", "[prototypes]") {
    Structure s = build_prototype(prototype("diamond"), 14, 2.35);
    const double v0 = s.cell.volume();
    Mat3 e{};
    e[0][0] = e[1][1] = e[2][2] = 0.01;
    apply_strain(s, e);
    REQUIRE(s.cell.volume() == Approx(v0 * std::pow(1.01, 3)).epsilon(1e-13));
    REQUIRE(nearest_neighbor_distance(s) == Approx(2.35 * 1.01).epsilon(1e-12));
    REQUIRE_THROWS_WITH(prototype("quasicrystal"), Catch::Contains("unknown crystal prototype 'quasicrystal'"));
}
