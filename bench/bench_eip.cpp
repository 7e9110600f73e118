// Energy + forces of SW, Tersoff, tersoff/mod and EDIP on a rattled 64,000-atom diamond Si cell, one
// and two threads, in atom-steps/s (items_per_second). The neighbour list is built once outside
// the timed loop, as LAMMPS' Pair timing (the baseline in baselines/lammps_eip.sh) excludes it.
// EIPNN_BENCH_DATA=path writes the structure as a LAMMPS data file so the baseline uses the
// same coordinates. Validation before timing: a finite energy and forces summing to ~0.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "eipnn/eip/registry.hpp"

using namespace eipnn;

namespace {

Structure bench_structure() {
    const double a = 5.431;
    const int n = 20;  // 20^3 cells x 8 = 64,000 atoms
    const double basis[8][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                                {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    Structure s;
    s.cell = Cell::periodic({Vec3{a * n, 0, 0}, Vec3{0, a * n, 0}, Vec3{0, 0, a * n}});
    std::uint64_t state = 12345;
    auto noise = [&] {  // deterministic uniform in [-0.05, 0.05) Å, independent of the library
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (double(state >> 11) / 9007199254740992.0 - 0.5) * 0.1;
    };
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k)
                for (const auto& b : basis) {
                    s.positions.push_back(a * (i + b[0]) + noise());
                    s.positions.push_back(a * (j + b[1]) + noise());
                    s.positions.push_back(a * (k + b[2]) + noise());
                    s.numbers.push_back(14);
                }
    return s;
}

const Structure& structure() {
    static const Structure s = [] {
        Structure st = bench_structure();
        if (const char* path = std::getenv("EIPNN_BENCH_DATA")) {
            std::ofstream out(path);
            out.precision(17);
            out << "eipnn bench\n\n" << st.size() << " atoms\n1 atom types\n\n0 " << st.cell.lattice[0][0]
                << " xlo xhi\n0 " << st.cell.lattice[1][1] << " ylo yhi\n0 " << st.cell.lattice[2][2]
                << " zlo zhi\n\nMasses\n\n1 28.0855\n\nAtoms # atomic\n\n";
            for (index_t i = 0; i < st.size(); ++i)
                out << i + 1 << " 1 " << st.positions[3 * std::size_t(i)] << " " << st.positions[3 * std::size_t(i) + 1]
                    << " " << st.positions[3 * std::size_t(i) + 2] << "\n";
        }
        return st;
    }();
    return s;
}

void bench_eip(benchmark::State& state, const char* spec) {
    const auto pot = make_potential(spec);
    const Structure& s = structure();
    const NeighborList nl = build_neighbor_list(s, pot->cutoff());
    const Host host{int(state.range(0))};
    EipResult<double> r;
    pot->compute(s, nl, host, r);
    double fsum[3] = {0, 0, 0};
    for (index_t i = 0; i < s.size(); ++i)
        for (int c = 0; c < 3; ++c) fsum[c] += r.forces[3 * std::size_t(i) + std::size_t(c)];
    if (!std::isfinite(r.energy) || std::abs(fsum[0]) + std::abs(fsum[1]) + std::abs(fsum[2]) > 1e-6) {
        state.SkipWithError("validation failed: non-finite energy or net force");
        return;
    }
    for (auto _ : state) {
        pot->compute(s, nl, host, r);
        benchmark::DoNotOptimize(r.energy);
    }
    state.counters["energy_eV"] = r.energy;
    state.SetItemsProcessed(state.iterations() * s.size());
}

}  // namespace

BENCHMARK_CAPTURE(bench_eip, sw, "sw=sw:Si.sw")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(bench_eip, tersoff, "tersoff=tersoff:Si.tersoff")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(bench_eip, tersoff_mod, "tersoff_mod=tersoff/mod:Si.tersoff.mod")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_CAPTURE(bench_eip, edip, "edip=edip:Si.edip")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
