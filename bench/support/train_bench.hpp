// What the model benchmarks (bench_schnet, bench_soapnet) share around their timed training
// steps: timing helpers, peak memory, the machine's GEMM rate, and the force-training step
// (train/force_training.hpp's EnergyForceStep and Adam) with the labels it trains on and the
// gradient file the PyTorch baseline checks against its own autograd gradient.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "eipnn/core/phase_profile.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/train/force_training.hpp"

namespace eipnn::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Peak resident set of this process so far (getrusage's high-water mark), MB.
inline double peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

// The machine's FP32 GEMM rates with the same threads, GFLOP/s: C = A B, 1024^2, row blocks of
// nn/dense.hpp's size spread over the threads, through Eigen's GEMM and through eipnn's gemm
// (tile_gemm.hpp's kernel on AVX-512 hosts, else Eigen's too). The ceiling a model's rate is read
// against is the better of the two (and of the system BLAS, measured by the PyTorch baseline).
struct SgemmRates {
    double eigen = 0, eipnn = 0;
    double best() const { return std::max(eigen, eipnn); }
};

inline SgemmRates sgemm_gflops(int threads) {
    const index_t n = 1024;
    std::vector<float> a(std::size_t(n) * n), b(a.size()), c(a.size());
    for (std::size_t k = 0; k < a.size(); ++k) a[k] = float(k % 7) - 3.f, b[k] = float(k % 5) - 2.f;
    const Host host{threads};
    auto rate = [&](const auto& run) {
        run();
        std::vector<double> t;
        for (int r = 0; r < 5; ++r) {
            const auto t0 = Clock::now();
            run();
            t.push_back(ms_since(t0));
        }
        return 2.0 * double(n) * n * n / (median(t) * 1e6);
    };
    SgemmRates rates;
    rates.eigen = rate([&] {
        for_each_block(host, n / kGemmRowBlock, [&](index_t blk) {
            RowMap<float> cb(c.data() + std::size_t(blk) * kGemmRowBlock * n, kGemmRowBlock, n);
            multiply_into(cb, ConstRowMap<float>(a.data() + std::size_t(blk) * kGemmRowBlock * n, kGemmRowBlock, n),
                          ConstRowMap<float>(b.data(), n, n), false);
        });
    });
    rates.eipnn = rate([&] {
        gemm(host, matrix_of(std::as_const(a), n), false, matrix_of(std::as_const(b), n), false, matrix_of(c, n),
             false);
    });
    return rates;
}

// The DFT forces of the first frames, in batch order (atoms of frame 0, then frame 1, ...), as the
// batch file's `forces` record and the force step's labels.
inline std::vector<double> frame_forces(const std::vector<Frame>& frames, std::size_t n_frames) {
    std::vector<double> f;
    for (std::size_t k = 0; k < n_frames; ++k) {
        const std::vector<double>& c = frames[k].column_real("forces");
        f.insert(f.end(), c.begin(), c.end());
    }
    return f;
}

// Parameter gradients as `param <name> <rows> <cols> <values>` lines (the weights files' record,
// which tests/reference/torch_models.py's Records reads), float round-trip precision.
template <class T>
void write_gradients(const ParameterBuffer<T>& g, const std::filesystem::path& path) {
    std::ofstream f(path);
    f.precision(9);
    for (const ParameterEntry& e : g.layout->entries()) {
        f << "param " << e.name << ' ' << e.rows << ' ' << e.cols;
        for (index_t k = 0; k < e.size(); ++k) f << ' ' << g.data[std::size_t(e.offset + k)];
        f << '\n';
    }
}

// The force-training step the benchmarks time: EnergyForceStep (forward, force pass, the loss
// w_E mean ((E - E_dft)/N)^2 + w_F mean (F - F_dft)^2 with w_E = w_F = 1, w_S = 0, second
// backward) and an Adam update with torch.optim.Adam's defaults, as the baseline.
template <class Model>
struct ForceTrainStep {
    using T = typename Model::Scalar;
    EnergyForceStep<Model> step;
    ParameterBuffer<T> grads;
    Adam<T> adam;
    BatchLabels labels;
    LossWeights weights{1.0, 1.0, 0.0};

    ForceTrainStep(const Model& m, std::vector<double> energies, std::vector<double> forces)
        : grads(m.layout), adam(m.params.data.size(), AdamConfig{}) {
        labels.energies = std::move(energies);
        labels.forces = std::move(forces);
    }

    // One step; the loss terms before the update. `before_update` (if given) sees the gradient.
    template <class F>
    LossTerms run(const Host& host, Model& m, const GraphBatch& batch, const F& before_update) {
        grads.zero();
        const LossTerms terms = step(host, m, batch, labels, weights, grads);
        before_update(grads);
        adam.step(host, span_of(m.params.data), span_of(std::as_const(grads.data)), 1e-3);
        return terms;
    }
    LossTerms run(const Host& host, Model& m, const GraphBatch& batch) {
        return run(host, m, batch, [](const ParameterBuffer<T>&) {});
    }
};

// The timed force-training phase: from the parameters `initial` (the exported weights, so the
// baseline starts from the same point), one step whose gradient is written to out_dir/
// force_grads.txt (the baseline compares it with autograd's), then `reps` timed steps. Prints the
// loss before the first and the last step (it must fall: the gradient is used). Median ms.
// `profile` (if given) then records `reps` more steps (print_phase_profile).
template <class Model>
double time_force_training(const Host& host, Model& m, const std::vector<typename Model::Scalar>& initial,
                           const GraphBatch& batch, std::vector<double> energies, std::vector<double> forces,
                           const std::filesystem::path& out_dir, int reps, PhaseProfile* profile = nullptr) {
    using T = typename Model::Scalar;
    m.params.data = initial;
    ForceTrainStep<Model> fs(m, std::move(energies), std::move(forces));
    const LossTerms first = fs.run(host, m, batch, [&](const ParameterBuffer<T>& g) {
        write_gradients(g, out_dir / "force_grads.txt");
    });
    std::vector<double> t;
    LossTerms last{};
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        last = fs.run(host, m, batch);
        t.push_back(ms_since(t0));
    }
    std::printf("# eipnn force loss (E + F) at the exported weights %.6g + %.6g, before step %d %.6g + %.6g\n",
                first.energy, first.forces, reps + 1, last.energy, last.forces);
    if (profile) {
        const PhaseProfile::Recording recording(*profile);
        for (int r = 0; r < reps; ++r) fs.run(host, m, batch);
    }
    return median(t);
}

// The phases of `steps` recorded steps, largest first, one line each (bench/compare prints them):
//   profile step=<step> phase="<name>" ms=<per step> share=<% of the step> [gflops=<rate>]
// with the rate where the phase counts its operations (GEMMs: compare with the sgemm rate), and
// "other" for the time outside every phase (loss, buffers, loops between layers).
inline void print_phase_profile(const char* step, const PhaseProfile& profile, int steps) {
    std::vector<PhaseProfile::Phase> phases = profile.phases();
    phases.push_back({"other", profile.other_seconds()});
    std::sort(phases.begin(), phases.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
    const double total = profile.total_seconds();
    for (const PhaseProfile::Phase& p : phases) {
        std::printf("profile step=%s phase=\"%s\" ms=%.2f share=%.1f%%", step, p.name, 1e3 * p.seconds / steps,
                    100.0 * p.seconds / total);
        if (p.flops > 0 && p.seconds > 0) std::printf(" gflops=%.1f", p.flops / p.seconds * 1e-9);
        std::printf("\n");
    }
}

}  // namespace eipnn::bench
