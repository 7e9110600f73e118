// SchNet speed: a training step on energies (forward, backward, Adam update), a training step on
// energies and forces (forward, force pass, loss, second backward, Adam: train/force_training.hpp)
// and energy + forces inference of the paper's SchNet in float on a batch of mlearn Si
// configurations, 2 threads. Run by bench/compare schnet next to the identical PyTorch model
// (baselines/model_torch.py).
//
// usage: bench_schnet DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]
// Writes OUT_DIR/weights.txt and OUT_DIR/batch.txt for the baseline, validates (float against
// double energies and forces on the batch), times, writes the force step's gradient at the
// exported weights to OUT_DIR/force_grads.txt (the baseline checks it), then prints one line
//   eipnn train_ms=<median> infer_ms=<median> infer_compressed_ms=<median, compressed filters>
//   train_forces_ms=<median> rss_mb=<peak before the
//   force step> rss_forces_mb=<peak> step_gflop=<executed> step_gflops=<rate>
//   forces_gflop=<executed> forces_gflops=<rate> infer_gflop=<executed> infer_gflops=<rate>
//   sgemm_gflops=<the better of> eigen_sgemm_gflops=<Eigen GEMM> eipnn_sgemm_gflops=<eipnn gemm>
// and the phases of each step (bench/support/train_bench.hpp, print_phase_profile).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "eipnn/core/phase_profile.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/optim/adam.hpp"
#include "support/model_bench.hpp"
#include "support/train_bench.hpp"

using namespace eipnn;
using bench::Clock;
using bench::median;
using bench::ms_since;

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
        const std::vector<double> forces = bench::frame_forces(frames, s.size());  // DFT, batch order
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
            bench::write_line(f, "forces", forces);
        }
        // validate before timing: float against double
        if (!bench::float_matches_double<EnergyForces>(host, md, m, batch)) return 1;
        std::printf("# batch: %d configs, %d atoms, %d edges, %d pairs\n", batch.n_graphs(), batch.n_atoms(),
                    batch.n_edges(), batch.n_pairs());

        const std::vector<float> initial = m.params.data;  // the exported weights
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
        // inference through compressed filters (nn/filter_table.hpp), tabulated from the weights as
        // they are now; validated against the exact inference (ef) before timing: the interpolation
        // goals (1e-4 eV/atom, 1e-3 eV/Å) plus float rounding of the two paths
        SchNet<float> mc = m;
        mc.compress_filters(host);
        EnergyForces<float> efc;
        auto inference_compressed = [&] { mc.energy_forces(host, batch, fw, efc); };
        inference_compressed();
        double de = 0, dfc = 0;
        for (index_t g = 0; g < batch.n_graphs(); ++g)
            de = std::max(de, std::abs(efc.energies[std::size_t(g)] - ef.energies[std::size_t(g)]) /
                                  double(batch.atom_offsets[g + 1] - batch.atom_offsets[g]));
        for (std::size_t k = 0; k < ef.forces.size(); ++k) dfc = std::max(dfc, double(std::abs(efc.forces[k] - ef.forces[k])));
        std::printf("# compressed filters: %.2f MB, max |dE| %.2e eV/atom, max |dF| %.2e eV/A against the exact model\n",
                    double(mc.compressed->bytes()) / 1e6, de, dfc);
        if (!(de <= 2e-4 && dfc <= 2e-3)) {
            std::fprintf(stderr, "bench_schnet: compressed inference disagrees with the exact model\n");
            return 1;
        }
        std::vector<double> t_infer_compressed;
        for (int r = 0; r < reps; ++r) {
            const auto t0 = Clock::now();
            inference_compressed();
            t_infer_compressed.push_back(ms_since(t0));
        }
        // where the time goes: the same steps again, recorded by phase (after the timing, which
        // runs without a profile)
        PhaseProfile train_profile, infer_profile, forces_profile;
        {
            const PhaseProfile::Recording recording(train_profile);
            for (int r = 0; r < reps; ++r) train_step();
        }
        {
            const PhaseProfile::Recording recording(infer_profile);
            for (int r = 0; r < reps; ++r) inference();
        }
        const double rss_mb = bench::peak_rss_mb();  // before the force step allocates its buffers
        const double train_forces_ms =
            bench::time_force_training(host, m, initial, batch, target, forces, out_dir, reps, &forces_profile);
        bench::print_phase_profile("train", train_profile, reps);
        bench::print_phase_profile("train_forces", forces_profile, reps);
        bench::print_phase_profile("inference", infer_profile, reps);
        // Executed FLOPs (GEMM-like terms; a window term 2 W F is the first filter layer on the
        // pairs' Gaussian windows, W their total length). Energy step, per block: forward = window
        // + 2 P F^2 (filter 2) + 3 x 2 n F^2 (in, out1, out2) + 2 E F (conv); backward = 2 x 2 P
        // F^2 (dW2, dh1) + 2 windows (dW1, recompute) + 6 x 2 n F^2 (dW and dX of the three atom
        // layers; every block's dX is formed, the first's feeds the embedding) + 2 E F.
        const double F = cfg.n_features, n = batch.n_atoms(), P = batch.n_pairs(), E = batch.n_edges();
        double window = 0;
        for (index_t p = 0; p < batch.n_pairs(); ++p) {
            index_t k0, k1;
            m.basis.window(batch.distances[std::size_t(batch.pair_edge[std::size_t(p)])], k0, k1);
            window += double(k1 - k0);
        }
        const double per_block = (2 * window * F + 2 * P * F * F + 6 * n * F * F + 2 * E * F) +
                                 (4 * P * F * F + 4 * window * F + 12 * n * F * F + 2 * E * F);
        const double head = 2 * n * F * cfg.head_hidden * 3;
        const double step_flop = cfg.n_interactions * per_block + head;
        // Force step (EnergyForceStep: forward, force pass, tangent, second backward), counted from
        // interaction.hpp / cfconv_second.hpp / readout.hpp, per block t:
        //   atom layers (2 n F^2 each): out1, out2: forward 1, force pass 1 (dX), tangent 1, second
        //     backward 3 (dW, X_dot^T D, dX) = 6 each; in: the same for t > 0, for t = 0 (constant
        //     input, no tangent) 1 + 1 + 0 + 2 = 4: 32 n F^2, + 4 n F^2 for t > 0;
        //   filter 2 (2 P F^2): 1 + 1 (dh1) + 1 (o_dot) + 4 (dh1, Dh1, two dW2 products) = 14 P F^2;
        //   windows (2 W F): forward 1, force pass 2 (recompute, dr), tangent 2 (a1, a1_dot),
        //     second backward 4 (a1, a1_dot, dW1's two products) = 18 W F;
        //   conv (2 E F per gathered source): forward 1, force pass 1, tangent 1 (+1 xin_dot for
        //     t > 0), second backward 2 = 10 E F, + 2 E F for t > 0;
        // head W1 (2 n F H): 1 + 1 + 1 + 3 = 12 n F H (the (H, 1) layer and elementwise work left out).
        const double NT = cfg.n_interactions;
        const double forces_flop = NT * (32 * n * F * F + 14 * P * F * F + 18 * window * F + 10 * E * F) +
                                   (NT - 1) * (4 * n * F * F + 2 * E * F) + 12 * n * F * cfg.head_hidden;
        // Inference (energy_forces: the forward for forces, then the backward without parameter
        // gradients), per block t: forward = 2 windows (the first layer and its r-tangent) + 2 x 2 P
        // F^2 (o and o' = do/dr) + 3 x 2 n F^2 + 2 E F (conv); backward = 2 E F (conv gather) + 3 x 2 n
        // F^2 (dX of the three atom layers); the pairs' dL/dr from o and o' (~6 F per pair) is left
        // out. Head: W1 forward and dX, 2 x 2 n F H.
        const double infer_flop = NT * (4 * window * F + 4 * P * F * F + 12 * n * F * F + 4 * E * F) +
                                  4 * n * F * cfg.head_hidden;
        const double train_ms = median(t_train), infer_ms = median(t_infer);
        std::printf("# mean Gaussian window %.1f of %d\n", window / P, int(cfg.n_rbf));
        const bench::SgemmRates gemm = bench::sgemm_gflops(threads);
        std::printf("eipnn train_ms=%.2f infer_ms=%.2f infer_compressed_ms=%.2f train_forces_ms=%.2f rss_mb=%.1f "
                    "rss_forces_mb=%.1f step_gflop=%.3f step_gflops=%.1f forces_gflop=%.3f forces_gflops=%.1f "
                    "infer_gflop=%.3f infer_gflops=%.1f sgemm_gflops=%.1f eigen_sgemm_gflops=%.1f "
                    "eipnn_sgemm_gflops=%.1f\n",
                    train_ms, infer_ms, median(t_infer_compressed), train_forces_ms, rss_mb, bench::peak_rss_mb(),
                    step_flop * 1e-9,
                    step_flop / (train_ms * 1e6), forces_flop * 1e-9, forces_flop / (train_forces_ms * 1e6),
                    infer_flop * 1e-9, infer_flop / (infer_ms * 1e6), gemm.best(), gemm.eigen, gemm.eipnn);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_schnet: %s\n", e.what());
        return 1;
    }
    return 0;
}
