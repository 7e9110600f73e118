// What the model benchmarks (bench_schnet, bench_soapnet) share around their timings: the check
// that the float model they time computes what the double model does, and the text records of
// the batch file the PyTorch baselines read (tests/reference/torch_models.py's Records).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>

namespace eipnn::bench {

// The command line both model benchmarks take:
//   DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]
struct ModelBenchArgs {
    std::string data;
    std::filesystem::path out_dir;
    std::size_t n_configs = 32;
    int threads = 2;
    int reps = 5;

    // false (after printing the usage) when the arguments are too few
    bool parse(int argc, char** argv) {
        if (argc < 3) {
            std::fprintf(stderr, "usage: %s DATA.extxyz OUT_DIR [n_configs=32] [threads=2] [reps=5]\n", argv[0]);
            return false;
        }
        data = argv[1];
        out_dir = argv[2];
        if (argc > 3) n_configs = std::stoul(argv[3]);
        if (argc > 4) threads = std::stoi(argv[4]);
        if (argc > 5) reps = std::stoi(argv[5]);
        return true;
    }
};

// Validate before timing: energies and forces of the float model `mf` against the double model
// `md` on the same batch, printed as a "#" line. The bound 1e-4 is loose for float's 6e-8 on
// purpose: it catches a broken kernel (errors of order 1), not the rounding of a deep network.
// Result is the models' energy/forces record (EnergyForces), passed in so this header needs none
// of the model headers.
template <template <class> class Result, class Host, class ModelD, class ModelF, class Batch>
bool float_matches_double(const Host& host, const ModelD& md, const ModelF& mf, const Batch& batch) {
    typename ModelD::Forward fd;
    typename ModelF::Forward ff;
    Result<double> ed;
    Result<float> ef;
    md.energy_forces(host, batch, fd, ed);
    mf.energy_forces(host, batch, ff, ef);
    double de = 0, df = 0, fs = 0;
    for (std::size_t g = 0; g < ed.energies.size(); ++g)
        de = std::max(de, std::abs(ed.energies[g] - ef.energies[g]) / (1 + std::abs(ed.energies[g])));
    for (std::size_t k = 0; k < ed.forces.size(); ++k) {
        df = std::max(df, std::abs(ed.forces[k] - double(ef.forces[k])));
        fs = std::max(fs, std::abs(ed.forces[k]));
    }
    std::printf("# validate float vs double: energy rel %.2e, force max abs %.2e (scale %.2e)\n", de, df, fs);
    if (de > 1e-4 || df > 1e-4 * (1 + fs)) {
        std::fprintf(stderr, "validation failed\n");
        return false;
    }
    return true;
}

// One record of the batch file: `key v1 v2 ...` on one line.
template <class V>
void write_line(std::ostream& f, const char* key, const V& values) {
    f << key;
    for (const auto& v : values) f << ' ' << v;
    f << '\n';
}

}  // namespace eipnn::bench
