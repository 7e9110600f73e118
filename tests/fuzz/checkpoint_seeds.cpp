// Writes seed checkpoints for fuzz_checkpoint with the library's own writer (run_fuzzer.sh builds
// and runs it): checkpoint_seeds DIR. The records mimic what a model checkpoint holds (kind and
// sizes, parameters, optimizer state, metadata) plus the edge cases of the format: empty arrays and
// strings, NaN and denormal values, bytes that are not text, an empty checkpoint.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "eipnn/io/checkpoint.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: checkpoint_seeds DIR\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    try {
        eipnn::Checkpoint model;
        model.strings["model.kind"] = "schnet";
        model.ints["model.n_features"] = 4;
        model.ints["model.n_interactions"] = 2;
        model.arrays["model.parameters"] = {0.5, -0.25, 1e-3, 3.0, -7.5, 0.125};
        model.arrays["optim.m"] = {0, 0, 0, 0, 0, 0};
        model.arrays["optim.v"] = {1e-8, 1e-8, 0, 0, 1, 2};
        model.ints["optim.step"] = 120;
        model.ints["train.epoch"] = 3;
        model.strings["meta.command"] = "eipnn train --train a.xyz --out m.ckpt";
        eipnn::write_checkpoint(dir / "model.ckpt", model);

        eipnn::Checkpoint edge;
        edge.arrays["empty"] = {};
        edge.arrays["special"] = {std::nan(""), -0.0, std::numeric_limits<double>::infinity(),
                                  std::numeric_limits<double>::denorm_min(), -1e308};
        edge.strings[""] = "";
        edge.strings["binary"] = std::string("a\0b\xff\n", 5);
        edge.ints["min"] = std::numeric_limits<std::int64_t>::min();
        eipnn::write_checkpoint(dir / "edge.ckpt", edge);

        eipnn::write_checkpoint(dir / "empty.ckpt", eipnn::Checkpoint{});
    } catch (const eipnn::Error& e) {
        std::fprintf(stderr, "checkpoint_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
