// Every EIP style checks its inputs the same way (Potential::compute, eip/list_check.hpp): a
// neighbour list shorter than the potential's cutoff, a list of another structure, a list that is
// not a complete full list, and an element the parameters do not cover are clear errors, in
// double and in float, naming the potential; a list that reaches further than needed is fine.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

#include "eipnn/eip/registry.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

// A potential from the registry, or a skip when its LAMMPS file is not installed.
std::unique_ptr<Potential> potential_or_skip(const std::string& spec) {
    const PotentialSpec ps = parse_potential_spec(spec);
    if (ps.style != "eam/zjw" && ps.style != "morse") {
        try {
            resolve_potential_file(ps.source, spec);
        } catch (const Error&) {
            skip("potential file " + ps.source + " not installed (Debian package lammps-data)");
        }
    }
    return make_potential(ps);
}

template <class T>
std::string error_of(const Potential& pot, const Structure& s, const NeighborList& nl) {
    EipResult<T> out;
    try {
        pot.compute(s, nl, Host{}, out);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

// Both scalar types give the same error, which names the potential and contains `expected`.
void check_error(const Potential& pot, const Structure& s, const NeighborList& nl, const std::string& expected) {
    for (const std::string& msg : {error_of<double>(pot, s, nl), error_of<float>(pot, s, nl)}) {
        CHECK_THAT(msg, Catch::Contains(expected) && Catch::Contains(pot.source()));
    }
}

// `lattice` ("diamond", "fcc", "bcc") with lattice constant a and atomic number z: a crystal the
// potential covers.
void check_inputs(const std::string& spec, const std::string& lattice, double a, int z) {
    const auto pot = potential_or_skip(spec);
    INFO(spec);
    Structure s = crystal(lattice, a, 2, 2, 2, z);
    rattle(s, 0.05, 1);
    const double cut = pot->cutoff();

    const NeighborList good = build_neighbor_list(s, cut);
    CHECK(error_of<double>(*pot, s, good) == "(no error)");
    CHECK(error_of<double>(*pot, s, build_neighbor_list(s, cut + 1.0)) == "(no error)");

    // too short: built with a cutoff below the potential's
    check_error(*pot, s, build_neighbor_list(s, 0.9 * cut), "below the potential's");

    // another structure's list (a different number of atoms)
    const Structure other = crystal(lattice, a, 3, 2, 2, z);
    check_error(*pot, s, build_neighbor_list(other, cut), "belongs to another structure");

    // not a full list: no reverse-edge index
    NeighborList half = good;
    half.reverse.clear();
    check_error(*pot, s, half, "not a full list");

    // incomplete per-edge arrays
    NeighborList cut_short = good;
    cut_short.distances.resize(cut_short.distances.size() - 1);
    check_error(*pot, s, cut_short, "incomplete");

    // an element the parameters do not cover: helium at atom 5
    Structure helium = s;
    helium.numbers[5] = 2;
    check_error(*pot, helium, good, "atom 5 is He");
}

}  // namespace

TEST_CASE("input checks: sw", "[eip][sw][errors]") { check_inputs("sw=sw:Si.sw", "diamond", 5.431, 14); }

TEST_CASE("input checks: tersoff", "[eip][tersoff][errors]") {
    check_inputs("t2=tersoff:Si.tersoff", "diamond", 5.431, 14);
}

TEST_CASE("input checks: tersoff/mod", "[eip][tersoff_mod][errors]") {
    check_inputs("mod=tersoff/mod:Si.tersoff.mod", "diamond", 5.431, 14);
}

TEST_CASE("input checks: edip", "[eip][edip][errors]") { check_inputs("edip=edip:Si.edip", "diamond", 5.431, 14); }

TEST_CASE("input checks: meam/spline", "[eip][meam_spline][errors]") {
    check_inputs("meam=meam/spline:Si_1.meam.spline", "diamond", 5.431, 14);
}

TEST_CASE("input checks: eam", "[eip][eam][errors]") { check_inputs("cu=eam:Cu_u3.eam", "fcc", 3.615, 29); }

TEST_CASE("input checks: eam/zjw", "[eip][eam_zjw][errors]") {
    check_inputs("zjw=eam/zjw:ZhouJohnsonWadley_2004_Mo", "bcc", 3.147, 42);
}

TEST_CASE("input checks: morse", "[eip][morse][errors]") {
    check_inputs("morse=morse:GirifalcoWeizer_Mo_low", "bcc", 3.147, 42);
}

TEST_CASE("input checks: the cases above cover every registered class of potential", "[eip][errors]") {
    // eam and eam/alloy are one class (EamPotential); every other style is its own
    std::set<std::string> styles;
    for (const auto& st : potential_styles()) styles.insert(std::string(st.style) == "eam/alloy" ? "eam" : st.style);
    CHECK(styles == std::set<std::string>{"sw", "tersoff", "tersoff/mod", "edip", "meam/spline", "eam", "eam/zjw",
                                          "morse"});
}
