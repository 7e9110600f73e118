// SOAPNet speed: a training step on energies (forward, backward, Adam update) of the paper's
// SOAPNet in float on a batch of mlearn Si configurations with the SOAP descriptors precomputed (as
// the PyTorch baseline's energy step gets them), a training step on energies and forces (forward
// with the descriptors, force pass, loss, second backward with the descriptors' tangent, Adam:
// train/force_training.hpp) from the positions, and energy + forces inference with the
// descriptors computed inside the timed call. 2 threads. Run by bench/compare soapnet next to the
// identical PyTorch model (baselines/model_torch.py).
//
// usage: bench_soapnet DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]
// Writes OUT_DIR/weights.txt and OUT_DIR/batch.txt (descriptors and geometry included) for the
// baseline, validates (float against double energies and forces), times, writes the force step's
// gradient at the exported weights to OUT_DIR/force_grads.txt (the baseline checks it), then
// prints one line
//   eipnn train_ms=<median> infer_ms=<median> soap_ms=<median of soap_fwd alone>
//   train_forces_ms=<median> rss_mb=<peak before the force step> rss_forces_mb=<peak>
//   forces_dense_gflop=<executed in dense layers> forces_dense_gflops=<rate> sgemm_gflops=<rate>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "support/model_bench.hpp"
#include "support/train_bench.hpp"

using namespace eipnn;
using bench::Clock;
using bench::ms_since;

namespace {

template <class F>
double median_ms(int reps, const F& f) {
    f();  // warm-up
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        f();
        t.push_back(ms_since(t0));
    }
    return bench::median(t);
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
        const SoapNetConfig cfg;  // the paper's SOAPNet: 252 features, 5 dense layers of width 128
        PreparedSet set;
        std::vector<double> target;
        const Host host{threads};
        for (std::size_t k = 0; k < frames.size() && set.size() < n_configs; ++k) {
            set.structures.push_back(frames[k].structure);
            set.lists.push_back(build_neighbor_list(frames[k].structure, cfg.cutoff, NeighborOptions{}, host));
            set.energies.push_back(frames[k].info_real("energy"));
            target.push_back(frames[k].info_real("energy"));
        }
        const std::vector<double> forces = bench::frame_forces(frames, set.size());  // DFT, batch order
        SoapNet<double> md(cfg, 42);
        prepare_model_inputs(md, set, host);
        md.head_ref = {-5.0};
        SoapNet<float> m = md.cast<float>();
        std::vector<std::size_t> all(set.size());
        for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
        const GraphBatch batch = set.batch(all);
        SoapSaved<float> saved;
        std::vector<float> P;
        soap_fwd(host, batch, m.basis, saved, P);
        std::filesystem::create_directories(out_dir);
        write_model_weights(m, (out_dir / "weights.txt").string());
        {
            std::ofstream f(out_dir / "batch.txt");
            f.precision(9);  // float descriptors, exactly
            f << "graphs " << batch.n_graphs() << '\n';
            bench::write_line(f, "numbers", batch.numbers);
            bench::write_line(f, "graph_of_atom", batch.graph_of_atom);
            bench::write_line(f, "descriptors", P);
            bench::write_line(f, "targets", target);
            bench::write_line(f, "forces", forces);
            // the geometry, for the force step from positions (double, as bench_schnet writes it)
            f.precision(17);
            bench::write_line(f, "positions", batch.positions);
            std::vector<double> lat;
            for (const Mat3& L : batch.lattices)
                for (const Vec3& row : L) lat.insert(lat.end(), row.begin(), row.end());
            bench::write_line(f, "lattices", lat);
            bench::write_line(f, "centers", batch.centers);
            bench::write_line(f, "neighbors", batch.neighbors);
            bench::write_line(f, "shifts", batch.shifts);
        }
        // validate before timing: float against double
        if (!bench::float_matches_double<EnergyForces>(host, md, m, batch)) return 1;
        std::printf("# batch: %d configs, %d atoms, %d edges, %d SOAP features\n", batch.n_graphs(), batch.n_atoms(),
                    batch.n_edges(), int(m.n_descriptors()));

        const std::vector<float> initial = m.params.data;  // the exported weights
        SoapNetForward<float> fw;
        ParameterBuffer<float> grads(m.layout);
        Adam<float> adam(m.params.data.size(), AdamConfig{});  // torch.optim.Adam defaults, as the baseline
        std::vector<double> dL_dE(target.size());
        auto train_step = [&] {
            m.forward_descriptors(host, batch, P, fw);
            for (std::size_t g = 0; g < target.size(); ++g)
                dL_dE[g] = 2 * (fw.energies[g] - target[g]) / double(target.size());
            grads.zero();
            m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
            adam.step(host, span_of(m.params.data), span_of(std::as_const(grads.data)), 1e-3);
        };
        EnergyForces<float> ef;
        const double train_ms = median_ms(reps, train_step);
        const double infer_ms = median_ms(reps, [&] { m.energy_forces(host, batch, fw, ef); });
        const double soap_ms = median_ms(reps, [&] { soap_fwd(host, batch, m.basis, saved, P); });
        const double rss_mb = bench::peak_rss_mb();  // before the force step allocates its buffers
        const double train_forces_ms =
            bench::time_force_training(host, m, initial, batch, target, forces, out_dir, reps);
        // Executed FLOPs of the force step's dense layers (2 n in out per GEMM), counted from
        // soapnet.hpp / dense.hpp / readout.hpp: backbone layer l > 0: forward 1, force pass 1
        // (dX), tangent 1, second backward 3 (dW, X_dot^T D, dX) = 6; layer 0 (D -> H): 5, its dX in
        // the second backward is not formed (the descriptors do not depend on the parameters);
        // head W1: 6. The SOAP work (soap_fwd, soap_bwd, soap_tangent_fwd) and the elementwise
        // work are not counted: this is a lower bound of the step's arithmetic.
        const double n = batch.n_atoms(), D = double(m.n_descriptors()), H = double(cfg.hidden);
        const double dense_flop = 2 * n * (5 * D * H + 6 * double(cfg.n_backbone_layers - 1) * H * H +
                                           6 * H * double(cfg.head_hidden));
        const double gemm = bench::sgemm_gflops(threads).best();
        std::printf("eipnn train_ms=%.3f infer_ms=%.2f soap_ms=%.2f train_forces_ms=%.2f rss_mb=%.1f rss_forces_mb=%.1f "
                    "forces_dense_gflop=%.3f forces_dense_gflops=%.1f sgemm_gflops=%.1f\n",
                    train_ms, infer_ms, soap_ms, train_forces_ms, rss_mb, bench::peak_rss_mb(), dense_flop * 1e-9,
                    dense_flop / (train_forces_ms * 1e6), gemm);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_soapnet: %s\n", e.what());
        return 1;
    }
    return 0;
}
