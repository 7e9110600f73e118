// EDIP's cached kernel (one pass over the neighbours, then the triplets) against its direct form
// (EdipKernel::uncached, pair terms recomputed inside the triplet loop), including atoms with more
// in-range neighbours than the cache holds (they must take the direct path, not be cut short) and
// neighbour lists that reach beyond the cutoff. The host's loop (for_range) and the per-atom form
// (operator(), the device's) are checked separately. Built twice (unit/tests.cmake): on generic
// x86-64 for_range runs operator() per atom; with -march=native (FMA vector units) it runs
// `lanes`, four atoms per SIMD lane group.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include <catch2/catch.hpp>

#include "eipnn/eip/edip.hpp"
#include "reference/lammps_harness.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

enum class Form { host_loop, per_atom, direct };

template <class Kernel>
struct PerAtomOnly {  // no for_range: every atom through operator(), as on the device
    Kernel k;
    void operator()(index_t i) const { k(i); }
};
template <class Kernel>
struct DirectOnly {  // every atom through the uncached path
    Kernel k;
    void operator()(index_t i) const { k.uncached(i); }
};

struct Evaluation {
    std::vector<double> atom_energy, dE_dr;
};

template <int Capacity, Form form = Form::host_loop>
Evaluation evaluate(const EdipParams<double>& p, const NeighborList& nl) {
    using Kernel = EdipKernel<double, Capacity>;
    static_assert(runs_ranges<Kernel>::value, "the host hands EdipKernel whole ranges");
    static_assert(!runs_ranges<PerAtomOnly<Kernel>>::value, "PerAtomOnly hides for_range");
    EipResult<double> out;
    EipWorkspace<double> ws;
    evaluate_atom_kernel<double>(Host{1}, nl, [&](Span<double> energy, MatrixView<double> grad) {
        const Kernel k{span_of(nl.offsets), matrix_of(nl.vectors, 3), span_of(nl.distances), p, energy, grad};
        if constexpr (form == Form::direct) return DirectOnly<Kernel>{k};
        else if constexpr (form == Form::per_atom) return PerAtomOnly<Kernel>{k};
        else return k;
    }, out, ws);
    return {out.atom_energies, {ws.dE_dr.begin(), ws.dE_dr.end()}};
}

std::vector<int> in_range_counts(const NeighborList& nl, double a) {
    std::vector<int> counts;
    for (index_t i = 0; i < nl.n_atoms(); ++i) {
        int n = 0;
        for (index_t e = nl.offsets[std::size_t(i)]; e < nl.offsets[std::size_t(i) + 1]; ++e) n += nl.distances[std::size_t(e)] < a;
        counts.push_back(n);
    }
    return counts;
}
int max_in_range(const NeighborList& nl, double a) {
    const auto c = in_range_counts(nl, a);
    return *std::max_element(c.begin(), c.end());
}
int min_in_range(const NeighborList& nl, double a) {
    const auto c = in_range_counts(nl, a);
    return *std::min_element(c.begin(), c.end());
}

// Both forms evaluate the same terms in double, in different orders and (on FMA/AVX hosts) with
// exp_poly/log_poly (<= 2 eps, tests/unit/test_exp_inline.cpp) instead of libm: each of the
// O(n^2) <= ~1000 terms of an atom differs by a few ulp, and sums of terms of either sign can
// cancel down to the result. Tolerance 1e4 eps relative to the largest |value| of the structure
// (~2e-12) covers 1000 terms x 2-4 ulp with room; a wrong or missing term (e.g. one triplet
// dropped, a factor 2 on df/dr) changes values by >= 1e-4 of that scale.
void require_same(const Evaluation& a, const Evaluation& b, const std::string& what) {
    REQUIRE(a.atom_energy.size() == b.atom_energy.size());
    REQUIRE(a.dE_dr.size() == b.dE_dr.size());
    double scale_e = 0, scale_g = 0;
    for (double v : b.atom_energy) scale_e = std::max(scale_e, std::abs(v));
    for (double v : b.dE_dr) scale_g = std::max(scale_g, std::abs(v));
    const double tol = 1e4 * DBL_EPSILON;
    for (std::size_t i = 0; i < a.atom_energy.size(); ++i) {
        INFO(what << " atom " << i << ": " << a.atom_energy[i] << " vs " << b.atom_energy[i]);
        REQUIRE(std::abs(a.atom_energy[i] - b.atom_energy[i]) <= tol * scale_e);
    }
    for (std::size_t k = 0; k < a.dE_dr.size(); ++k) {
        INFO(what << " gradient entry " << k << ": " << a.dE_dr[k] << " vs " << b.dE_dr[k]);
        REQUIRE(std::abs(a.dE_dr[k] - b.dE_dr[k]) <= tol * scale_g);
    }
}

std::vector<std::pair<std::string, Structure>> structures() {
    std::vector<std::pair<std::string, Structure>> out;
    Structure rattled = diamond(5.431, 2, 2, 2);
    rattle(rattled, 0.1, 301);
    out.emplace_back("rattled diamond", rattled);
    Structure dense = diamond(4.9, 2, 1, 1);  // pairs in the c < r < a coordination shell
    rattle(dense, 0.15, 302);
    out.emplace_back("compressed diamond", dense);
    Structure blob = diamond(5.431, 2, 2, 2);
    rattle(blob, 0.1, 303);
    out.emplace_back("cluster", cluster_of(blob, 5.5));
    Structure packed = crystal("fcc", 3.6, 2, 2, 2, 14);  // 12 neighbours at 2.55 Å and some at 3.1: many triplets
    rattle(packed, 0.08, 304);
    out.emplace_back("compressed fcc", packed);
    return out;
}

}  // namespace

TEST_CASE("edip cached kernel matches the direct form", "[eip][edip][cache]") {
    const auto p = read_edip(lammps::lammps_potential_or_skip("Si.edip").string());
    bool partial_lane_group = false;  // a last group of fewer than kEdipLanes atoms
    for (const auto& [name, s] : structures()) {
        const NeighborList nl = build_neighbor_list(s, p.a);
        INFO(name << ": " << s.size() << " atoms, " << min_in_range(nl, p.a) << " to " << max_in_range(nl, p.a)
                  << " neighbours in range");
        partial_lane_group |= s.size() % kEdipLanes != 0;
        const Evaluation direct = evaluate<kEdipCachedNeighbors, Form::direct>(p, nl);
        require_same(evaluate<kEdipCachedNeighbors>(p, nl), direct, name + ", the host's loop");
        require_same(evaluate<kEdipCachedNeighbors, Form::per_atom>(p, nl), direct, name + ", per atom");
    }
    CHECK(partial_lane_group);
}

TEST_CASE("edip atoms with more neighbours than the cache take the direct path", "[eip][edip][cache]") {
    const auto p = read_edip(lammps::lammps_potential_or_skip("Si.edip").string());
    for (const auto& [name, s] : structures()) {
        const NeighborList nl = build_neighbor_list(s, p.a);
        // capacity 3: the crystals' atoms all have more (diamond: 4; fcc: 12), the cluster's
        // inner ones too
        REQUIRE(max_in_range(nl, p.a) > 3);
        const Evaluation direct = evaluate<kEdipCachedNeighbors, Form::direct>(p, nl);
        require_same(evaluate<3>(p, nl), direct, name + " capacity 3, the host's loop");
        require_same(evaluate<3, Form::per_atom>(p, nl), direct, name + " capacity 3, per atom");
    }
    // an fcc cluster with capacity 8: surface atoms fit the cache, inner ones (12) overflow, so
    // both paths run in one evaluation
    Structure packed = crystal("fcc", 3.6, 3, 3, 3, 14);
    rattle(packed, 0.08, 306);
    // centred on the atom nearest the cell's centre
    index_t centre = 0;
    double best = 1e300;
    for (index_t i = 0; i < packed.size(); ++i) {
        const Vec3 r = packed.position(i);
        const double d = std::pow(r[0] - 5.4, 2) + std::pow(r[1] - 5.4, 2) + std::pow(r[2] - 5.4, 2);
        if (d < best) best = d, centre = i;
    }
    const Structure blob = cluster_of(packed, 5.0, packed.position(centre));
    const NeighborList nl = build_neighbor_list(blob, p.a);
    REQUIRE(min_in_range(nl, p.a) <= 8);
    REQUIRE(max_in_range(nl, p.a) > 8);
    const Evaluation direct = evaluate<kEdipCachedNeighbors, Form::direct>(p, nl);
    require_same(evaluate<8>(p, nl), direct, "fcc cluster capacity 8, the host's loop");
    require_same(evaluate<8, Form::per_atom>(p, nl), direct, "fcc cluster capacity 8, per atom");
}

TEST_CASE("edip ignores list entries beyond its cutoff", "[eip][edip][cache]") {
    const auto pot = EdipPotential::from_file(lammps::lammps_potential_or_skip("Si.edip").string());
    Structure s = diamond(5.0, 2, 1, 1);
    rattle(s, 0.12, 305);
    EipResult<double> exact, wide;
    pot.compute(s, build_neighbor_list(s, pot.cutoff()), Host{1}, exact);
    const NeighborList long_list = build_neighbor_list(s, 5.5);  // ~30 neighbours, most beyond a
    REQUIRE(max_in_range(long_list, pot.cutoff()) < kEdipCachedNeighbors);
    pot.compute(s, long_list, Host{1}, wide);
    // the same in-range edges, perhaps in another order: equal up to summation order (1e4 eps
    // relative, as require_same); entries beyond a that leaked in would add whole terms
    const double tol = 1e4 * DBL_EPSILON;
    CHECK(std::abs(wide.energy - exact.energy) <= tol * std::abs(exact.energy));
    double scale = 0;
    for (double f : exact.forces) scale = std::max(scale, std::abs(f));
    for (std::size_t k = 0; k < exact.forces.size(); ++k) CHECK(std::abs(wide.forces[k] - exact.forces[k]) <= tol * scale);
}

TEST_CASE("edip rejects a neighbour list shorter than its cutoff", "[eip][edip][cache]") {
    const auto pot = EdipPotential::from_file(lammps::lammps_potential_or_skip("Si.edip").string());
    const Structure s = diamond(5.431);
    EipResult<double> out;
    CHECK_THROWS_WITH(pot.compute(s, build_neighbor_list(s, 2.5), Host{1}, out),
                      Catch::Contains("below the potential's"));
}
