// Neighbour lists on every configuration of the three real data sets (sheared triclinic cells,
// 2 to 96 atoms) at 5 and 7 Å: against brute force (edge set, shifts, distances, reverse
// involution) and against ASE's neighbor_list (neighbour counts per atom).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/io/extxyz.hpp"
#include "support/brute_force_neighbors.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {
const char* kFiles[] = {"mlearn-si/training.extxyz", "mlearn-si/test.extxyz", "mlearn-ge/training.extxyz",
                        "mlearn-ge/test.extxyz",     "mlearn-mo/training.extxyz", "mlearn-mo/test.extxyz"};
}

TEST_CASE("neighbour list: every real configuration matches brute force at 5 and 7 Å", "[neighbors][real]") {
    for (const char* file : kFiles) {
        const auto path = test::data_file_or_skip(file);
        const auto frames = read_extxyz(path);
        REQUIRE(!frames.empty());
        for (double cutoff : {5.0, 7.0}) {
            for (std::size_t f = 0; f < frames.size(); ++f) {
                INFO(file << " frame " << f << " cutoff " << cutoff);
                const Structure& s = frames[f].structure;
                const NeighborList nl = build_neighbor_list(s, cutoff);
                const auto ref = test::brute_force_neighbors(s, cutoff);
                REQUIRE(nl.n_edges() == index_t(ref.size()));
                // Counted, then asserted once per frame: millions of edges in all.
                index_t missing = 0, wrong_distance = 0, bad_reverse = 0;
                for (index_t e = 0; e < nl.n_edges(); ++e) {
                    const auto it = ref.find({nl.centers[e], nl.neighbors[e], nl.shifts[3 * e], nl.shifts[3 * e + 1],
                                              nl.shifts[3 * e + 2]});
                    if (it == ref.end()) { ++missing; continue; }
                    // same operations up to the order of the shift terms: a few ulps of ~|L|
                    if (std::abs(nl.distances[e] - it->second) > 64 * test::eps<double>() * (1 + 30.0)) ++wrong_distance;
                    if (nl.reverse[nl.reverse[e]] != e) ++bad_reverse;
                }
                REQUIRE(missing == 0);
                REQUIRE(wrong_distance == 0);
                REQUIRE(bad_reverse == 0);
            }
        }
    }
}

TEST_CASE("neighbour list: per-atom counts agree with ASE's neighbor_list on the real data", "[neighbors][real][ase]") {
    test::require_python_module_or_skip("ase");
    const auto dir = test::scratch_dir("ase_neighbor_counts");
    for (const char* file : kFiles) {
        const auto path = test::data_file_or_skip(file);
        const auto frames = read_extxyz(path);
        for (double cutoff : {5.0, 7.0}) {
            const auto out = dir / "counts.txt";
            const std::string cmd = test::python() + " " + (test::test_dir() / "reference/ase_neighbor_counts.py").string() +
                                    " " + path.string() + " " + std::to_string(cutoff) + " " + out.string();
            REQUIRE(test::run(cmd) == 0);
            std::ifstream in(out);
            std::string line;
            std::size_t f = 0;
            for (; std::getline(in, line); ++f) {
                INFO(file << " frame " << f << " cutoff " << cutoff);
                REQUIRE(f < frames.size());
                const NeighborList nl = build_neighbor_list(frames[f].structure, cutoff);
                std::istringstream counts(line);
                for (index_t i = 0; i < nl.n_atoms(); ++i) {
                    index_t c = -1;
                    counts >> c;
                    REQUIRE(c == nl.degree(i));
                }
            }
            REQUIRE(f == frames.size());
        }
    }
}
