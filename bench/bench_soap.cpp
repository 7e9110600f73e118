// SOAP descriptor speed: the power spectrum, and the power spectrum plus its gradient (soap_fwd +
// soap_bwd with a fixed dL/dP), in double, on the mlearn Si test configurations as one batch, in
// the paper's setting (n_max 8, l_max 6, rc 5 Å), 2 threads. Neighbour lists are built once,
// outside the timing (the NumPy baseline, baselines/soap_numpy_bench.py, does the same).
// Counter atoms_per_s = atoms described per second. Run by bench/compare soap.
//
// usage: EIPNN_SOAP_DATA=path/to/test.extxyz bench_soap [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/soap/soap.hpp"

using namespace eipnn;

namespace {

struct Setup {
    SoapBasis basis = SoapBasis::make(SoapConfig{});
    GraphBatch batch;
    std::vector<double> dL_dP;
};

const Setup& setup() {
    static const Setup s = [] {
        Setup st;
        const char* path = std::getenv("EIPNN_SOAP_DATA");
        if (!path) throw Error("EIPNN_SOAP_DATA is not set", "bench_soap", "point it to mlearn-si/test.extxyz");
        std::vector<Structure> structures;
        for (const Frame& f : read_extxyz(path)) structures.push_back(f.structure);
        st.batch = make_graph_batch(structures, st.basis.config().cutoff);
        st.dL_dP.assign(std::size_t(st.batch.n_atoms()) * std::size_t(st.basis.n_features()), 0.0);
        for (std::size_t k = 0; k < st.dL_dP.size(); ++k) st.dL_dP[k] = double(k % 7) / 7 - 0.5;
        return st;
    }();
    return s;
}

void BM_soap_descriptor(benchmark::State& state) {
    const Setup& s = setup();
    const Host host{int(state.range(0))};
    SoapSaved<double> saved;
    std::vector<double> P;
    for (auto _ : state) {
        soap_fwd(host, s.batch, s.basis, saved, P);
        benchmark::DoNotOptimize(P.data());
    }
    state.counters["atoms_per_s"] =
        benchmark::Counter(double(s.batch.n_atoms()) * double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["atoms"] = s.batch.n_atoms();
}

void BM_soap_descriptor_gradient(benchmark::State& state) {
    const Setup& s = setup();
    const Host host{int(state.range(0))};
    SoapSaved<double> saved;
    std::vector<double> P, dL_dvec;
    for (auto _ : state) {
        soap_fwd(host, s.batch, s.basis, saved, P);
        soap_bwd(host, s.batch, s.basis, saved, P, matrix_of(s.dL_dP, s.basis.n_features()), dL_dvec);
        benchmark::DoNotOptimize(dL_dvec.data());
    }
    state.counters["atoms_per_s"] =
        benchmark::Counter(double(s.batch.n_atoms()) * double(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_soap_descriptor)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_soap_descriptor_gradient)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
