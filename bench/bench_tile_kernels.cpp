// The host's tile kernels beside what they replace, on the paper's SchNet tile (256 pairs, F =
// 128, 128 Gaussians, float), one thread: the GEMMs of a tile through tile_gemm (nn/tile_gemm.hpp)
// and through Eigen's GEMM (multiply_into) with the same operands, and the filter's dW1 summed by
// rows (nn/window_grad_host.hpp) against the per-pair update (FilterFirstLayerBwd). Compare the
// `flops` (GEMMs) or `pairs_per_s` (dW1) counters of each pair of lines. Validates before timing:
// each kernel against its baseline to float rounding.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "eipnn/nn/cfconv.hpp"

using namespace eipnn;

namespace {

constexpr index_t kRows = kPairTile, kF = 128, kK = 128;

std::vector<float> uniform(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

void require_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
    double scale = 0, err = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        scale = std::max(scale, double(std::abs(b[k])));
        err = std::max(err, double(std::abs(a[k] - b[k])));
    }
    if (err > 1e-4 * (1 + scale)) throw std::runtime_error(std::string("validation failed: ") + what);
}

// form 0: o = h W2 (the forward); 1: dL/dh = dL/do W2^T (the backward); 2: dW2 += h^T dL/do
void tile_product(benchmark::State& state, bool kernel) {
    const int form = int(state.range(0));
    const std::vector<float> A = uniform(std::size_t(kRows) * kF, 1), W = uniform(std::size_t(kF) * kF, 2);
    std::vector<float> C(std::size_t(kRows) * kF), G(std::size_t(kF) * kF);
    PackedRhs<float> packed;
    if (form < 2) packed.pack(MatrixView<const float>{W.data(), kF, kF}, form == 1);
    const ConstRowMap<float> a(A.data(), kRows, kF), w(W.data(), kF, kF);
    auto run = [&](bool with_kernel) {
        if (form == 2) {
            if (with_kernel)
                tile_gemm(kF, GemmLhs<float>{A.data(), kF, true}, rhs_rows(MatrixView<const float>{A.data(), kRows, kF}),
                          G.data(), kF, GemmInit::Accumulate);
            else
                multiply_into(RowMap<float>(G.data(), kF, kF), a.transpose(), a, true);
        } else if (with_kernel) {
            tile_gemm(kRows, GemmLhs<float>{A.data(), kF}, packed.view(), C.data(), kF, GemmInit::Zero);
        } else if (form == 0) {
            multiply_into(RowMap<float>(C.data(), kRows, kF), a, w, false);
        } else {
            multiply_into(RowMap<float>(C.data(), kRows, kF), a, w.transpose(), false);
        }
    };
    run(!kernel);
    const std::vector<float> other = form == 2 ? G : C;
    std::fill(G.begin(), G.end(), 0.f);
    std::fill(C.begin(), C.end(), 0.f);
    run(kernel);
    require_close(form == 2 ? G : C, other, "tile_gemm against Eigen");
    for (auto _ : state) {
        run(kernel);
        benchmark::DoNotOptimize(C.data());
        benchmark::DoNotOptimize(G.data());
    }
    state.counters["flops"] =
        benchmark::Counter(2.0 * kRows * kF * kF * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_tile_gemm(benchmark::State& state) { tile_product(state, true); }
void BM_eigen_gemm(benchmark::State& state) { tile_product(state, false); }

void first_layer_weight_grad(benchmark::State& state, bool by_rows) {
    const GaussianBasis basis = GaussianBasis::make_for<float>(kK, 5.0, 0.0);
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> dist(2.0, 5.0);  // distances of a Si neighbour shell
    std::vector<double> r(kRows);
    for (double& x : r) x = dist(rng);
    BasisWindowTable<float> table;
    table.compute(Host{1}, basis, span_of(std::as_const(r)));
    const BasisWindowView<float> win = table.view();
    const std::vector<float> dA = uniform(std::size_t(kRows) * kF, 4), W1 = uniform(std::size_t(kK) * kF, 5);
    std::vector<float> dW(std::size_t(kK) * kF, 0.f);
#if !defined(__AVX512F__)
    if (by_rows) return state.SkipWithError("no AVX-512 in this build: dW1 has only the per-pair form");
#endif
    auto run = [&](bool rows) {
#if defined(__AVX512F__)
        if (rows) return window_weight_grad_tile(win, 0, kRows, dA.data(), kF, dW.data(), kK);
#else
        (void)rows;
#endif
        const FilterFirstLayerBwd<float> per_pair{win, {W1.data(), kK, kF}, {dA.data(), kRows, kF}, Span<float>{},
                                                  dW.data(), nullptr, 0};
        for (index_t p = 0; p < kRows; ++p) per_pair(p);
    };
    run(!by_rows);
    const std::vector<float> other = dW;
    std::fill(dW.begin(), dW.end(), 0.f);
    run(by_rows);
    require_close(dW, other, "dW1 by rows against per pair");
    for (auto _ : state) {
        run(by_rows);
        benchmark::DoNotOptimize(dW.data());
    }
    state.counters["pairs_per_s"] = benchmark::Counter(double(kRows) * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_dW1_by_rows(benchmark::State& state) { first_layer_weight_grad(state, true); }
void BM_dW1_per_pair(benchmark::State& state) { first_layer_weight_grad(state, false); }

}  // namespace

BENCHMARK(BM_tile_gemm)->ArgName("form")->DenseRange(0, 2);
BENCHMARK(BM_eigen_gemm)->ArgName("form")->DenseRange(0, 2);
BENCHMARK(BM_dW1_by_rows);
BENCHMARK(BM_dW1_per_pair);
BENCHMARK_MAIN();
