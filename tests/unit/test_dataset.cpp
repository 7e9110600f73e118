// Datasets: loading with clear errors, seeded splits that partition, batches that cover every
// configuration once per epoch and resume identically from a saved generator state, nested
// training subsets for learning curves.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "eipnn/train/dataset.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

TEST_CASE("random_split partitions and is seeded", "[dataset]") {
    const auto parts = random_split(100, {0.8, 0.1, 0.1}, 42);
    REQUIRE(parts.size() == 3);
    REQUIRE(parts[0].size() == 80);
    std::set<std::size_t> all;
    for (const auto& p : parts) all.insert(p.begin(), p.end());
    REQUIRE(all.size() == 100);
    REQUIRE(random_split(100, {0.8, 0.2}, 42)[0] == random_split(100, {0.8, 0.2}, 42)[0]);
    REQUIRE(random_split(100, {0.8, 0.2}, 42)[0] != random_split(100, {0.8, 0.2}, 43)[0]);
    REQUIRE_THROWS_WITH(random_split(10, {0.8, 0.5}, 1), Catch::Contains("sum to 1.3"));
}

TEST_CASE("nested training subsets: sizes, nesting, split order, fraction 1 is the split itself", "[dataset]") {
    const auto split = random_split(200, {0.9, 0.1}, 7)[0];  // 180 indices, sorted, with gaps
    const auto subsets = nested_subsets(split, {0.1, 0.25, 0.5, 1.0}, 11);
    REQUIRE(subsets.size() == 4);
    REQUIRE(subsets[0].size() == 18);
    REQUIRE(subsets[1].size() == 45);
    REQUIRE(subsets[2].size() == 90);
    REQUIRE(subsets[3] == split);
    const std::set<std::size_t> of_split(split.begin(), split.end());
    for (std::size_t k = 0; k < subsets.size(); ++k) {
        REQUIRE(std::is_sorted(subsets[k].begin(), subsets[k].end()));
        for (std::size_t i : subsets[k]) REQUIRE(of_split.count(i) == 1);
        if (k > 0)
            REQUIRE(std::includes(subsets[k].begin(), subsets[k].end(), subsets[k - 1].begin(), subsets[k - 1].end()));
    }
    // the same fraction alone gives the same subset: a curve can be extended later
    REQUIRE(nested_subsets(split, {0.25}, 11)[0] == subsets[1]);
    REQUIRE(nested_subsets(split, {0.25}, 12)[0] != subsets[1]);
    REQUIRE(nested_subsets(split, {0.001}, 11)[0].size() == 1);  // never empty
    REQUIRE_THROWS_WITH(nested_subsets(split, {1.5}, 1), Catch::Contains("1.5") && Catch::Contains("(0, 1]"));
    REQUIRE_THROWS_WITH(nested_subsets(split, {0.0}, 1), Catch::Contains("(0, 1]"));
}

TEST_CASE("batch sampler covers each item once per epoch and resumes exactly", "[dataset]") {
    BatchSampler a(37, 8, 5);
    const auto e1 = a.epoch();
    REQUIRE(e1.size() == 5);
    std::multiset<std::size_t> seen;
    for (const auto& b : e1) seen.insert(b.begin(), b.end());
    REQUIRE(seen.size() == 37);
    REQUIRE(std::set<std::size_t>(seen.begin(), seen.end()).size() == 37);
    const std::string state = a.rng_state();
    const auto e2 = a.epoch();
    BatchSampler b(37, 8, 999);
    b.restore_rng_state(state);
    REQUIRE(b.epoch() == e2);
    REQUIRE(e2 != e1);
    // 33 = 4 x 8 + 1: the lone leftover joins the last full batch
    BatchSampler c(33, 8, 5);
    const auto e = c.epoch();
    REQUIRE(e.size() == 4);
    REQUIRE(e.back().size() == 9);
}

TEST_CASE("loading a dataset: energies, forces, config types, clear errors", "[dataset][errors]") {
    const auto dir = test::scratch_dir("dataset_load");
    {
        std::ofstream f(dir / "ok.extxyz");
        f << "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-10.5 config_type=bulk pbc=\"T T T\"\n"
          << "Si 0 0 0 0.1 0 0\nSi 1.3 1.3 1.3 -0.1 0 0\n";
        std::ofstream g(dir / "noenergy.extxyz");
        g << "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nSi 0 0 0\n";
    }
    const Dataset d = load_dataset(dir / "ok.extxyz");
    REQUIRE(d.size() == 1);
    REQUIRE(d.samples[0].energy == -10.5);
    REQUIRE(d.samples[0].forces.size() == 6);
    REQUIRE(d.samples[0].config_type == "bulk");
    REQUIRE_THROWS_WITH(load_dataset(dir / "noenergy.extxyz"), Catch::Contains("no 'energy' entry") && Catch::Contains("frame 0"));
}
