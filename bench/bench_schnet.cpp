// SchNet speed: a training step (forward, backward, Adam update) and energy + forces inference of
// the paper's SchNet in float on a batch of mlearn Si configurations, 2 threads. Run by
// bench/compare schnet next to the identical PyTorch model (baselines/model_torch.py).
//
// usage: bench_schnet DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]
// Writes OUT_DIR/weights.txt and OUT_DIR/batch.txt for the baseline, validates (float against
// double energies and forces on the batch), then prints one line
//   eipnn train_ms=<median> infer_ms=<median> rss_mb=<peak> step_gflop=<executed> sgemm_gflops=<rate>
#include <sys/resource.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/optim/adam.hpp"
#include "support/model_bench.hpp"

using namespace eipnn;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

// The machine's FP32 GEMM rate with the same Eigen and threads: C = A B, 1024^2, Eigen's
// sgemm on row blocks spread over the threads (nn/dense.hpp's gemm).
double sgemm_gflops(int threads) {
    const int n = 1024;
    std::vector<float> a(std::size_t(n) * n), b(a.size()), c(a.size());
    for (std::size_t k = 0; k < a.size(); ++k) a[k] = float(k % 7) - 3.f, b[k] = float(k % 5) - 2.f;
    const Host host{threads};
    auto run = [&] { gemm(host, matrix_of(std::as_const(a), n), false, matrix_of(std::as_const(b), n), matrix_of(c, n), false); };
    run();
    std::vector<double> t;
    for (int r = 0; r < 5; ++r) {
        const auto t0 = Clock::now();
        run();
        t.push_back(ms_since(t0));
    }
    return 2.0 * n * n * n / (median(t) * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    bench::ModelBenchArgs args;
    if (!args.parse(argc, argv)) return 2;
    const std::filesystem::path& out_dir = args.out_dir;
    const std::size_t n_configs = args.n_configs;
    const int threads = args.threads, reps = args.reps;
    try {
        const std::vector<Frame> frames = read_extxyz(args.data);
        std::vector<Structure> s;
        std::vector<double> target;
        for (std::size_t k = 0; k < frames.size() && s.size() < n_configs; ++k) {
            s.push_back(frames[k].structure);
            target.push_back(frames[k].info_real("energy"));
        }
        const Host host{threads};
        const SchNetConfig cfg;  // the paper's SchNet
        SchNet<double> md(cfg, 42);
        md.head_ref = {-5.0};
        SchNet<float> m = md.cast<float>();
        const GraphBatch batch = make_graph_batch(s, cfg.cutoff, host);
        std::filesystem::create_directories(out_dir);
        write_model_weights(m, (out_dir / "weights.txt").string());
        {
            std::ofstream f(out_dir / "batch.txt");
            f.precision(17);
            f << "graphs " << batch.n_graphs() << '\n';
            bench::write_line(f, "numbers", batch.numbers);
            bench::write_line(f, "graph_of_atom", batch.graph_of_atom);
            bench::write_line(f, "positions", batch.positions);
            std::vector<double> lat;
            for (const Mat3& L : batch.lattices)
                for (const Vec3& row : L) lat.insert(lat.end(), row.begin(), row.end());
            bench::write_line(f, "lattices", lat);
            bench::write_line(f, "centers", batch.centers);
            bench::write_line(f, "neighbors", batch.neighbors);
            bench::write_line(f, "shifts", batch.shifts);
            bench::write_line(f, "targets", target);
        }
        // validate before timing: float against double
        if (!bench::float_matches_double<EnergyForces>(host, md, m, batch)) return 1;
        std::printf("# batch: %d configs, %d atoms, %d edges, %d pairs\n", batch.n_graphs(), batch.n_atoms(),
                    batch.n_edges(), batch.n_pairs());

        SchNetForward<float> fw;
        ParameterBuffer<float> grads(m.layout);
        Adam<float> adam(m.params.data.size(), AdamConfig{});  // torch.optim.Adam defaults, as the baseline
        std::vector<double> dL_dE(target.size());
        auto train_step = [&] {
            m.forward(host, batch, fw);
            for (std::size_t g = 0; g < target.size(); ++g)
                dL_dE[g] = 2 * (fw.energies[g] - target[g]) / double(target.size());
            grads.zero();
            m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
            adam.step(host, span_of(m.params.data), span_of(std::as_const(grads.data)), 1e-3);
        };
        EnergyForces<float> ef;
        auto inference = [&] { m.energy_forces(host, batch, fw, ef); };
        std::vector<double> t_train, t_infer;
        train_step();
        for (int r = 0; r < reps; ++r) {
            const auto t0 = Clock::now();
            train_step();
            t_train.push_back(ms_since(t0));
        }
        inference();
        for (int r = 0; r < reps; ++r) {
            const auto t0 = Clock::now();
            inference();
            t_infer.push_back(ms_since(t0));
        }
        // executed FLOPs of the step (GEMM-like terms): per block, forward = window layer 1 +
        // 2 P F^2 (filter 2) + 3 x 2 n F^2 (atom layers) + 2 E F (conv); backward = 2 x 2 P F^2
        // (dW2, dh1) + 2 windows (dW1, recompute) + 5 x 2 n F^2 + 2 E F.
        const double F = cfg.n_features, n = batch.n_atoms(), P = batch.n_pairs(), E = batch.n_edges();
        double window = 0;
        for (index_t p = 0; p < batch.n_pairs(); ++p) {
            index_t k0, k1;
            m.basis.window(batch.distances[std::size_t(batch.pair_edge[std::size_t(p)])], k0, k1);
            window += double(k1 - k0);
        }
        const double per_block = (2 * window * F + 2 * P * F * F + 6 * n * F * F + 2 * E * F) +
                                 (4 * P * F * F + 4 * window * F + 10 * n * F * F + 2 * E * F);
        const double head = 2 * n * F * cfg.head_hidden * 3;
        const double step_flop = cfg.n_interactions * per_block + head;
        const double train_ms = median(t_train), infer_ms = median(t_infer);
        std::printf("# mean Gaussian window %.1f of %d\n", window / P, int(cfg.n_rbf));
        const double gemm = sgemm_gflops(threads);
        std::printf("eipnn train_ms=%.2f infer_ms=%.2f rss_mb=%.1f step_gflop=%.3f step_gflops=%.1f sgemm_gflops=%.1f\n",
                    train_ms, infer_ms, peak_rss_mb(), step_flop * 1e-9, step_flop / (train_ms * 1e6), gemm);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_schnet: %s\n", e.what());
        return 1;
    }
    return 0;
}
