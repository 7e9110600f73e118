// SOAPNet speed: a training step (forward, backward, Adam update) of the paper's SOAPNet in float
// on a batch of mlearn Si configurations with the SOAP descriptors precomputed (as the PyTorch
// baseline gets them), and energy + forces inference with the descriptors computed inside the
// timed call. 2 threads. Run by bench/compare soapnet next to the identical PyTorch model
// (baselines/model_torch.py).
//
// usage: bench_soapnet DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]
// Writes OUT_DIR/weights.txt and OUT_DIR/batch.txt (descriptors included) for the baseline,
// validates (float against double energies and forces), then prints one line
//   eipnn train_ms=<median> infer_ms=<median> soap_ms=<median of soap_fwd alone>
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

using namespace eipnn;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

template <class F>
double median_ms(int reps, const F& f) {
    f();  // warm-up
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        f();
        t.push_back(ms_since(t0));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
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
        }
        // validate before timing: float against double
        if (!bench::float_matches_double<EnergyForces>(host, md, m, batch)) return 1;
        std::printf("# batch: %d configs, %d atoms, %d edges, %d SOAP features\n", batch.n_graphs(), batch.n_atoms(),
                    batch.n_edges(), int(m.n_descriptors()));

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
        std::printf("eipnn train_ms=%.3f infer_ms=%.2f soap_ms=%.2f\n", train_ms, infer_ms, soap_ms);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_soapnet: %s\n", e.what());
        return 1;
    }
    return 0;
}
