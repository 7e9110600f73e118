// Graphs from explicit particles (geometry/explicit_graph.hpp) and the energy of the contributing
// part with its exact gradient (nn/contributing_energy.hpp): what the OpenKIM driver (kim/) runs.
// A periodic structure written out as its atoms plus enough periodic images as ghosts must give the
// periodic energy, forces (ghost forces added to the atoms they are images of) and virial.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "eipnn/geometry/explicit_graph.hpp"
#include "eipnn/nn/contributing_energy.hpp"
#include "eipnn/nn/models.hpp"
#include "support/model_fixtures.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

// A structure's atoms (graph 0, in order) followed by every periodic image within `shell` Å of
// some atom (ghosts), with image_of[p] = the atom particle p is a copy of.
struct Replica {
    std::vector<double> positions;
    std::vector<int> numbers;
    std::vector<index_t> image_of;
    index_t n_atoms = 0;
};

Replica replicate(const Structure& s, double shell) {
    Replica r;
    r.n_atoms = s.size();
    r.positions = s.positions;
    r.numbers = s.numbers;
    for (index_t i = 0; i < s.size(); ++i) r.image_of.push_back(i);
    const NeighborList nl = build_neighbor_list(s, shell);
    const Mat3 L = s.cell.completed_lattice();
    std::map<std::tuple<index_t, int, int, int>, bool> seen;
    for (index_t e = 0; e < nl.n_edges(); ++e) {
        const int* S = &nl.shifts[3 * std::size_t(e)];
        if (S[0] == 0 && S[1] == 0 && S[2] == 0) continue;
        const index_t j = nl.neighbors[std::size_t(e)];
        if (seen.emplace(std::make_tuple(j, S[0], S[1], S[2]), true).second == false) continue;
        for (int c = 0; c < 3; ++c)
            r.positions.push_back(s.positions[3 * std::size_t(j) + c] + S[0] * L[0][c] + S[1] * L[1][c] + S[2] * L[2][c]);
        r.numbers.push_back(s.numbers[std::size_t(j)]);
        r.image_of.push_back(j);
    }
    return r;
}

// Candidate pairs as an MD engine lists them, with a skin (pairs beyond the cutoff included):
// every particle's neighbours, or only the atoms' (graph 0's) when ghosts get no lists.
std::vector<std::pair<index_t, index_t>> engine_pairs(const Replica& r, double list_cutoff, bool ghost_lists) {
    std::vector<std::pair<index_t, index_t>> pairs;
    const index_t n = index_t(r.numbers.size());
    const index_t centres = ghost_lists ? n : r.n_atoms;
    for (index_t i = 0; i < centres; ++i)
        for (index_t j = 0; j < n; ++j) {
            if (i == j) continue;
            double d2 = 0;
            for (int c = 0; c < 3; ++c) {
                const double d = r.positions[3 * std::size_t(j) + c] - r.positions[3 * std::size_t(i) + c];
                d2 += d * d;
            }
            if (d2 < list_cutoff * list_cutoff) pairs.emplace_back(i, j);
        }
    return pairs;
}

// The ghost shell a model needs around the atoms: SchNet's features reach one cutoff further per
// interaction block, SOAPNet's descriptors one cutoff.
template <class Model>
double influence_distance(const Model& m) {
    if constexpr (std::is_same_v<Model, SchNet<double>>) return double(m.config.n_interactions) * m.config.cutoff;
    else return m.config.cutoff;
}

// Images of atoms are at r_j + S·L (one rounding per coordinate more than the periodic list's
// (r_j - r_i) + S·L), and sums run in other orders over ~10^3 terms; both are O(eps) relative
// per term, so 1e4·eps relative to the largest magnitude compared is far above round-off and far
// below any real difference (a missing ghost or edge changes results at 1e-3 and more).
constexpr double kRel = 1e4 * std::numeric_limits<double>::epsilon();

template <class Model>
void check_against_periodic(const Model& m, const Structure& s, bool ghost_lists) {
    const Host host{2};
    typename Model::Forward fw;
    EnergyForces<double> ref;
    m.energy_forces(host, make_graph_batch({s}, m.config.cutoff), fw, ref);

    const Replica r = replicate(s, influence_distance(m));
    const GraphBatch g = make_explicit_graph(r.positions, r.numbers, r.n_atoms,
                                             engine_pairs(r, m.config.cutoff + 0.7, ghost_lists), m.config.cutoff);
    ContributingEnergy<double> out;
    contributing_energy_forces(host, m, g, fw, out, /*with_atom_virial=*/true);

    INFO(Model::kind << ", " << s.size() << " atoms + " << r.numbers.size() - std::size_t(r.n_atoms) << " ghosts");
    CHECK(std::abs(out.energy - ref.energies[0]) <= kRel * std::abs(ref.energies[0]));
    double e_atoms = 0;
    for (index_t i = 0; i < r.n_atoms; ++i) e_atoms += out.atom_energy[std::size_t(i)];
    CHECK(std::abs(e_atoms - ref.energies[0]) <= kRel * std::abs(ref.energies[0]));

    std::vector<double> folded(3 * std::size_t(s.size()), 0.0);
    for (std::size_t p = 0; p < r.image_of.size(); ++p)
        for (int c = 0; c < 3; ++c) folded[3 * std::size_t(r.image_of[p]) + c] += out.forces[3 * p + c];
    double f_scale = 0, f_err = 0;
    for (std::size_t k = 0; k < folded.size(); ++k) {
        f_scale = std::max(f_scale, std::abs(ref.forces[k]));
        f_err = std::max(f_err, std::abs(folded[k] - ref.forces[k]));
    }
    CHECK(f_scale > 0);
    CHECK(f_err <= kRel * f_scale);

    double w_scale = 0, w_err = 0, wa_err = 0;
    for (std::size_t c = 0; c < 9; ++c) {
        double sum_atoms = 0;
        for (std::size_t p = 0; p < r.image_of.size(); ++p) sum_atoms += out.atom_virial[9 * p + c];
        w_scale = std::max(w_scale, std::abs(ref.virial[c]));
        w_err = std::max(w_err, std::abs(out.virial[c] - ref.virial[c]));
        wa_err = std::max(wa_err, std::abs(sum_atoms - ref.virial[c]));
    }
    CHECK(w_err <= kRel * w_scale);
    CHECK(wa_err <= kRel * w_scale);
}

}  // namespace

TEST_CASE("an explicit graph of a free cluster is the neighbour list's graph", "[geometry][explicit_graph]") {
    Structure c = eipnn::test::cluster_of(eipnn::test::diamond(5.43, 2, 2, 2), 6.0);
    eipnn::test::rattle(c, 0.05, 7);
    const double rc = 3.5;
    const GraphBatch ref = make_graph_batch({c}, rc);
    std::vector<std::pair<index_t, index_t>> all;
    for (index_t i = 0; i < c.size(); ++i)
        for (index_t j = c.size() - 1; j >= 0; --j)  // reversed: the builder must sort
            if (i != j) all.emplace_back(i, j);
    const GraphBatch g = make_explicit_graph(c.positions, c.numbers, c.size(), all, rc);
    REQUIRE(g.n_graphs() == 1);
    REQUIRE(g.n_edges() == ref.n_edges());
    CHECK(g.offsets == ref.offsets);
    CHECK(g.neighbors == ref.neighbors);
    CHECK(g.reverse == ref.reverse);
    CHECK(g.pair_edge == ref.pair_edge);
    CHECK(g.edge_pair == ref.edge_pair);
    CHECK(g.vectors == ref.vectors);
    CHECK(g.distances == ref.distances);
}

TEST_CASE("an explicit graph completes missing reverse edges and drops pairs beyond the cutoff",
          "[geometry][explicit_graph]") {
    // particles 0, 1 at 2 Å (only 0 -> 1 listed), particle 2 at 4 Å from 0 (beyond 3 Å), 2 ghosts
    const std::vector<double> x = {0, 0, 0, 2, 0, 0, -4, 0, 0};
    const GraphBatch g = make_explicit_graph(x, {14, 14, 14}, 1, {{0, 1}, {0, 2}, {0, 1}}, 3.0);
    REQUIRE(g.n_graphs() == 2);
    CHECK(g.atom_offsets == std::vector<index_t>{0, 1, 3});
    CHECK(g.neighbors == std::vector<index_t>{1, 0});
    CHECK(g.centers == std::vector<index_t>{0, 1});
    CHECK(g.reverse == std::vector<index_t>{1, 0});
    CHECK(g.edge_offsets == std::vector<index_t>{0, 1, 2});
    CHECK(g.n_pairs() == 1);
    CHECK(g.vectors == std::vector<double>{2, 0, 0, -2, 0, 0});
    const std::string msg = eipnn::test::thrown_message([&] { make_explicit_graph(x, {14, 14, 14}, 1, {{2, 2}}, 3.0); });
    CHECK(msg.find("particle 2 is paired with itself") != std::string::npos);
}

TEMPLATE_TEST_CASE("atoms plus ghost images give the periodic energy, forces and virial", "[model][explicit_graph]",
                   SchNet<double>, SoapNet<double>) {
    const TestType m = eipnn::test::small_model<TestType>(eipnn::test::ModelFixture<TestType>::small_config());
    for (const Structure& s : eipnn::test::model_test_structures()) {
        check_against_periodic(m, s, /*ghost_lists=*/true);
        // SOAPNet is strictly local: the atoms' own lists are enough (KIM gives ghosts none)
        if constexpr (std::is_same_v<TestType, SoapNet<double>>) check_against_periodic(m, s, /*ghost_lists=*/false);
    }
}
