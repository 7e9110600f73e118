// The unlabelled pool: reproducible per (seed, index), sizes and distances within the configured
// ranges, every prototype drawn, and MD snapshots that actually moved the atoms.
#include <catch2/catch.hpp>

#include <set>

#include "eipnn/eip/morse.hpp"
#include "eipnn/train/pool.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("pool configurations are reproducible and within range", "[pool]") {
    const PoolConfig c = default_pool_config("Si");
    std::set<std::string> seen;
    for (std::uint64_t k = 0; k < 200; ++k) {
        const PoolItem a = make_pool_item(c, k), b = make_pool_item(c, k);
        REQUIRE(a.structure.positions == b.structure.positions);
        REQUIRE(a.structure.cell.lattice == b.structure.cell.lattice);
        REQUIRE(a.prototype == b.prototype);
        seen.insert(a.prototype);
        const index_t n = a.structure.size();
        const Prototype p = prototype(a.prototype);
        if (index_t(p.fractional.size()) <= c.max_atoms) {
            REQUIRE(n >= std::min<index_t>(c.min_atoms, index_t(p.fractional.size())));
            REQUIRE(n <= c.max_atoms);
        }
        REQUIRE(detail::min_pair_distance(a.structure, c.bond) >= c.min_distance_fraction * c.bond);
    }
    REQUIRE(seen.size() == c.prototypes.size());
    PoolConfig other = c;
    other.seed = 7;
    REQUIRE(make_pool_item(other, 3).structure.positions != make_pool_item(c, 3).structure.positions);
}

TEST_CASE("pool MD snapshots move atoms with the EIP's dynamics", "[pool][md]") {
    PoolConfig c = default_pool_config("Mo");
    c.md_fraction = 1.0;
    c.md_steps = 50;
    const MorsePotential pot = MorsePotential::named("GirifalcoWeizer_Mo_low");
    PoolConfig still = c;
    still.md_fraction = 0.0;
    int moved = 0;
    for (std::uint64_t k = 0; k < 6; ++k) {
        const PoolItem item = make_pool_item(c, k, &pot);
        if (item.source == "md") {
            ++moved;
            REQUIRE(item.temperature >= c.md_temperature_min);
            REQUIRE(item.temperature <= c.md_temperature_max);
        }
    }
    REQUIRE(moved >= 4);
    REQUIRE_THROWS_WITH(make_pool_item(c, 0, nullptr), Catch::Contains("without a potential"));
    REQUIRE_THROWS_WITH(default_pool_config("Xx"), Catch::Contains("no default pool"));
}
