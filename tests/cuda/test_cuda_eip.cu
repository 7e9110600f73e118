// Every EIP style on the device equals the host evaluation to round-off: the device runs the same
// per-atom kernel and gather functors (kernels/eipnn/cuda/eip.cuh) on the same neighbour list
// (the device list is the host's, edge for edge), in double and float.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "cuda/device_test_support.cuh"
#include "eipnn/cuda/eip.cuh"
#include "eipnn/eip/registry.hpp"
#include "support/structures.hpp"

using namespace eipnn;

namespace {

// A potential from the registry, or a skip when its LAMMPS file is not installed.
std::unique_ptr<Potential> potential_or_skip(const std::string& spec) {
    const PotentialSpec ps = parse_potential_spec(spec);
    const bool named = ps.style == "eam/zjw" || ps.style == "morse";
    if (!named) {
        try {
            resolve_potential_file(ps.source, spec);
        } catch (const Error&) {
            test::skip("potential file " + ps.source + " not installed (Debian package lammps-data)");
        }
    }
    return make_potential(ps);
}

// Tolerance: host and device perform the same operations in the same order; they differ only
// where nvcc contracts a*b + c into one FMA (one rounding fewer, <= 1 ulp of that term). An
// output accumulates a few hundred such terms (neighbours x triplets), each at most the size of
// the output's scale, so 1000 eps of the scale bounds the difference without hiding real errors
// (a wrong term is O(scale), 1/eps larger).
template <class T>
void compare(const EipResult<T>& host, const EipResult<T>& dev, const std::string& what) {
    INFO(what);
    const double tol = 1000 * double(std::numeric_limits<T>::epsilon());
    double e_scale = 0, f_scale = 0, w_scale = 0;
    for (T e : host.atom_energies) e_scale = std::max(e_scale, std::abs(double(e)));
    for (T f : host.forces) f_scale = std::max(f_scale, std::abs(double(f)));
    for (T w : host.virial) w_scale = std::max(w_scale, std::abs(double(w)));
    f_scale = std::max(f_scale, e_scale);  // near-zero forces still sum eV-sized terms
    REQUIRE(dev.atom_energies.size() == host.atom_energies.size());
    REQUIRE(dev.forces.size() == host.forces.size());
    CHECK(std::abs(dev.energy - host.energy) <= tol * e_scale * double(host.atom_energies.size()));
    for (std::size_t i = 0; i < host.atom_energies.size(); ++i)
        CHECK(std::abs(double(dev.atom_energies[i]) - double(host.atom_energies[i])) <= tol * e_scale);
    for (std::size_t k = 0; k < host.forces.size(); ++k)
        CHECK(std::abs(double(dev.forces[k]) - double(host.forces[k])) <= tol * f_scale);
    for (std::size_t c = 0; c < 9; ++c)
        CHECK(std::abs(double(dev.virial[c]) - double(host.virial[c])) <= tol * w_scale * double(host.atom_energies.size()));
}

void check_style(const std::string& spec, const Structure& s) {
    const auto pot = potential_or_skip(spec);
    const auto dpot = gpu::make_device_potential(*pot);
    const NeighborList nl = build_neighbor_list(s, pot->cutoff());
    const gpu::DeviceNeighborList dnl = gpu::build_neighbor_list(Cuda{}, s, pot->cutoff());
    EipResult<double> hd, dd;
    EipResult<float> hf, df;
    pot->compute(s, nl, Host{}, hd);
    dpot->compute(Cuda{}, s, dnl, dd);
    compare(hd, dd, spec + " double");
    pot->compute(s, nl, Host{}, hf);
    dpot->compute(Cuda{}, s, dnl, df);
    compare(hf, df, spec + " float");
    // a second call reuses the device workspace and gives the same bits (no atomics)
    EipResult<double> again;
    dpot->compute(Cuda{}, s, dnl, again);
    CHECK(again.forces == dd.forces);
    CHECK(again.energy == dd.energy);
}

Structure rattled(double a, int n, int z, unsigned seed) {
    Structure s = test::diamond(a, n, n, n, z);
    test::rattle(s, 0.1, seed);
    return s;
}

}  // namespace

TEST_CASE("cuda eip: silicon three-body styles equal the host", "[cuda][eip]") {
    test::require_gpu_or_skip();
    for (const char* spec : {"sw=sw:Si.sw", "t2=tersoff:Si.tersoff", "mod=tersoff/mod:Si.tersoff.mod",
                             "edip=edip:Si.edip", "meam=meam/spline:Si_1.meam.spline"}) {
        check_style(spec, rattled(5.431, 3, 14, 1));
        check_style(spec, test::random_triclinic(24, 6.0, 8.0, 40, 80, 2));
    }
}

TEST_CASE("cuda eip: multi-species tersoff equals the host", "[cuda][eip]") {
    test::require_gpu_or_skip();
    Structure s = rattled(4.6, 2, 14, 3);  // SiC-like spacing
    for (std::size_t i = 0; i < s.numbers.size(); i += 2) s.numbers[i] = 6;
    check_style("ea=tersoff:SiC_Erhart-Albe.tersoff", s);
}

TEST_CASE("cuda eip: EAM styles and Morse equal the host", "[cuda][eip]") {
    test::require_gpu_or_skip();
    // diamond lattices with nearest-neighbour distances near each metal's (a sqrt(3)/4)
    check_style("cu=eam:Cu_u3.eam", rattled(5.9, 3, 29, 4));
    check_style("al=eam/alloy:Al_zhou.eam.alloy", rattled(6.6, 3, 13, 5));
    Structure mow = rattled(6.3, 3, 42, 6);
    for (std::size_t i = 0; i < mow.numbers.size(); i += 3) mow.numbers[i] = 74;
    check_style("zjw=eam/zjw:ZhouJohnsonWadley_2004_MoW", mow);
    check_style("morse=morse:GirifalcoWeizer_Mo_low", rattled(6.3, 3, 42, 7));
}

TEST_CASE("cuda eip: bad input is reported like on the host", "[cuda][eip][errors]") {
    test::require_gpu_or_skip();
    const auto pot = potential_or_skip("sw=sw:Si.sw");
    const auto dpot = gpu::make_device_potential(*pot);
    Structure s = test::diamond(5.431);
    s.numbers[3] = 32;
    REQUIRE_THROWS_WITH(dpot->compute(Cuda{}, s), Catch::Contains("atom 3 is Ge"));
    const Structure ok = test::diamond(5.431);
    const gpu::DeviceNeighborList short_list = gpu::build_neighbor_list(Cuda{}, ok, 0.5 * pot->cutoff());
    EipResult<double> r;
    REQUIRE_THROWS_WITH(dpot->compute(Cuda{}, ok, short_list, r), Catch::Contains("below the potential"));
    // the host's checks (Potential::check_inputs) on the device list's sizes
    const gpu::DeviceNeighborList other = gpu::build_neighbor_list(Cuda{}, test::diamond(5.431, 2, 1, 1), pot->cutoff());
    REQUIRE_THROWS_WITH(dpot->compute(Cuda{}, ok, other, r), Catch::Contains("belongs to another structure"));
}
