// Neighbour-list construction for rattled diamond Si at 5 Å, from 1,000 to 262,144 atoms:
// atoms/s per size shows whether construction is linear in the number of atoms.
// Validates before timing: a perfect diamond lattice has 28 neighbours within 5 Å
// (4 + 12 + 12 at 2.35, 3.84, 4.50 Å).
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "eipnn/geometry/neighbor_list.hpp"
#include "support/bench_structures.hpp"

using namespace eipnn;

static void BM_neighbor_list_diamond_si(benchmark::State& state) {
    const int reps = int(state.range(0));
    const int threads = int(state.range(1));
    Structure perfect = bench::diamond(5.431, reps);
    if (build_neighbor_list(perfect, 5.0).n_edges() != 28 * perfect.size())
        throw std::runtime_error("validation failed: diamond Si should have 28 neighbours per atom within 5 Å");
    Structure s = perfect;
    bench::rattle(s, 0.05, 1);
    const Host host{threads};
    // Rebuilt in place, as an MD or training loop does: the list's memory is reused.
    NeighborList nl;
    for (auto _ : state) {
        rebuild_neighbor_list(nl, s, 5.0, {}, host);
        benchmark::DoNotOptimize(nl.neighbors.data());
    }
    state.counters["atoms"] = double(s.size());
    state.counters["atoms_per_s"] = benchmark::Counter(double(s.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_neighbor_list_diamond_si)
    ->ArgNames({"reps", "threads"})
    ->ArgsProduct({{5, 10, 20, 32}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
