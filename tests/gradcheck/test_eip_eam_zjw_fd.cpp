// Analytic ZJW 2004 EAM: forces and virial against central differences of the energy, all three
// pieces of the embedding function and the alloy pair rule exercised; invariances; float against
// double; named-set errors.

#include "eipnn/eip/eam_zjw.hpp"
#include "gradcheck/eip_checks.hpp"
#include "reference/lammps_harness.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

// How many atoms of a pure-Mo structure sit in each piece of F: below rho_n, between, above
// rho_0 (densities from the potential's own element functions).
std::array<int, 3> pieces(const ZjwEamPotential& pot, const Structure& s) {
    const auto& mo = pot.functions(0);
    const auto nl = build_neighbor_list(s, pot.cutoff());
    std::array<int, 3> n{};
    for (index_t i = 0; i < s.size(); ++i) {
        REQUIRE(s.numbers[std::size_t(i)] == 42);
        double rho = 0, unused;
        for (index_t e = nl.offsets[std::size_t(i)]; e < nl.offsets[std::size_t(i) + 1]; ++e)
            if (nl.distances[std::size_t(e)] < pot.cutoff()) rho += mo.density(nl.distances[std::size_t(e)], unused);
        ++n[rho < 0.85 * mo.rho_e ? 0 : rho < 1.15 * mo.rho_e ? 1 : 2];
    }
    return n;
}

}  // namespace

TEST_CASE("eam/zjw Mo forces and virial match finite differences in all three embedding pieces", "[eip][eam_zjw][fd]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    // Equilibrium-like sheared cell (middle piece), compressed cell (rho > rho_0), stretched cell
    // and a free cluster (rho < rho_n at its surface).
    Structure mid = sheared(crystal("bcc", 3.147, 2, 2, 1, 42), 61);
    rattle(mid, 0.1, 62);
    Structure compressed = crystal("bcc", 2.85, 2, 2, 2, 42);
    rattle(compressed, 0.08, 63);
    Structure stretched = sheared(crystal("bcc", 3.6, 2, 1, 1, 42), 64);
    rattle(stretched, 0.1, 65);
    Structure blob = crystal("bcc", 3.147, 3, 3, 3, 42);
    rattle(blob, 0.1, 66);
    const Structure cluster = cluster_of(blob, 4.5);
    std::array<int, 3> seen{};
    for (const Structure* s : std::initializer_list<const Structure*>{&mid, &compressed, &stretched, &cluster}) {
        const auto n = pieces(pot, *s);
        for (int k = 0; k < 3; ++k) seen[std::size_t(k)] += n[std::size_t(k)];
    }
    INFO("atoms with rho < rho_n: " << seen[0] << ", between: " << seen[1] << ", > rho_0: " << seen[2]);
    REQUIRE(seen[0] > 0);
    REQUIRE(seen[1] > 0);
    REQUIRE(seen[2] > 0);
    check_finite_differences(pot, mid, "eam/zjw Mo sheared");
    check_finite_differences(pot, compressed, "eam/zjw Mo compressed");
    check_finite_differences(pot, stretched, "eam/zjw Mo stretched");
    check_finite_differences(pot, cluster, "eam/zjw Mo cluster");
}

TEST_CASE("eam/zjw Mo-W alloy: the mixed pair term's forces and virial match finite differences", "[eip][eam_zjw][fd]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_MoW");
    Structure s = sheared(crystal("bcc", 3.15, 2, 2, 1, 42), 71);
    for (std::size_t i = 0; i < s.numbers.size(); i += 2) s.numbers[i] = 74;
    rattle(s, 0.12, 72);
    check_finite_differences(pot, s, "eam/zjw MoW sheared");
}

TEST_CASE("eam/zjw alloy rule: two entries with the same parameters give the pure element", "[eip][eam_zjw]") {
    // phi_ab = 1/2 (f_b/f_a phi_aa + f_a/f_b phi_bb) reduces to phi_aa when b has a's functions,
    // so an "alloy" of Mo and a copy of Mo (called W) must reproduce pure Mo to round-off — this
    // runs the mixed-pair code path against the same-element one.
    ZjwParams p = zjw_named("ZhouJohnsonWadley_2004_MoW");
    p.elements[1] = p.elements[0];
    p.elements[1].element = "W";
    const ZjwEamPotential copy(p);
    const auto pure = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    Structure mo = sheared(crystal("bcc", 3.147, 2, 2, 1, 42), 81);
    rattle(mo, 0.12, 82);
    Structure mixed = mo;
    for (std::size_t i = 0; i < mixed.numbers.size(); i += 3) mixed.numbers[i] = 74;
    const auto a = pure.compute(mo), b = copy.compute(mixed);
    // Only the rounding of f_b/f_a * phi_aa (a few ulps of each pair term) differs: 1e-13
    // relative of the energy and 1e-12 eV/Å on forces of ~1 eV/Å cover it by ~100x.
    CHECK(std::abs(a.energy - b.energy) <= 1e-13 * std::abs(a.energy));
    CHECK(max_abs_diff(a.forces, b.forces) <= 1e-12 * (1 + *std::max_element(a.forces.begin(), a.forces.end())));
    // and a real alloy differs (the W parameters are used)
    CHECK(std::abs(ZjwEamPotential::named("ZhouJohnsonWadley_2004_MoW").compute(mixed).energy - a.energy) > 1e-2);
}

TEST_CASE("eam/zjw invariances and float precision", "[eip][eam_zjw][invariance][float]") {
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    Structure s = sheared(crystal("bcc", 3.147, 2, 2, 2, 42), 91);
    rattle(s, 0.1, 92);
    check_invariances(pot, s, "eam/zjw Mo sheared");
    check_float_matches_double(pot, s, "eam/zjw Mo sheared");
    const auto alloy = ZjwEamPotential::named("ZhouJohnsonWadley_2004_MoTaW");
    Structure t = s;
    for (std::size_t i = 0; i < t.numbers.size(); ++i) t.numbers[i] = i % 3 == 0 ? 42 : i % 3 == 1 ? 73 : 74;
    check_invariances(alloy, t, "eam/zjw MoTaW sheared");
    check_float_matches_double(alloy, t, "eam/zjw MoTaW sheared");
    Structure blob = crystal("bcc", 3.147, 3, 3, 3, 42);
    rattle(blob, 0.1, 93);
    check_invariances(pot, cluster_of(blob, 5.0), "eam/zjw Mo cluster");
}

TEST_CASE("eam/zjw: named sets, missing elements and bad parameters are clear errors", "[eip][eam_zjw][parser]") {
    CHECK(zjw_named("ZhouJohnsonWadley_2004_TaMo").elements.size() == 2);
    CHECK_THAT(thrown_message([] { zjw_named("ZhouJohnsonWadley_2004_Cu"); }),
               Catch::Contains("no ZJW 2004 parameters for element 'Cu'"));
    CHECK_THAT(thrown_message([] { zjw_named("ZJW_Mo"); }), Catch::Contains("unknown ZJW parameter set 'ZJW_Mo'"));
    CHECK_THAT(thrown_message([] { zjw_named("ZhouJohnsonWadley_2004_MoMo"); }), Catch::Contains("named twice"));
    CHECK_THAT(thrown_message([] { zjw_named("ZhouJohnsonWadley_2004_mo"); }), Catch::Contains("not a list of element symbols"));
    const auto pot = ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo");
    Structure s;
    s.cell = Cell::free_cluster();
    s.positions = {0, 0, 0, 2.7, 0, 0};
    s.numbers = {42, 74};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }), Catch::Contains("atom 1 is W") && Catch::Contains("no entry"));
    // W atoms evaluated with the Mo set through a species mapping
    CHECK(std::isfinite(ZjwEamPotential::named("ZhouJohnsonWadley_2004_Mo", {{"W", "Mo"}}).compute(s).energy));
    s.numbers = {42, 42};
    s.positions = {0, 0, 0, 0, 0, 0};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }), Catch::Contains("apart"));
    ZjwParams bad = zjw_named("ZhouJohnsonWadley_2004_Mo");
    bad.elements[0].rho_s = 0;
    CHECK_THAT(thrown_message([&] { ZjwEamPotential{bad}; }), Catch::Contains("invalid parameters for Mo"));
}
