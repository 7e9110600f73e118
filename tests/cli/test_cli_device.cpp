// `--device cpu|cuda` as a user meets it: every command takes it; cuda runs where the build has
// CUDA and the machine a GPU (labels, and a training run's results, then agree with the host's to
// rounding), and otherwise, like cuda for a command that runs on the host only, ends at once with
// a message that says why, before anything is read or written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "eipnn/io/checkpoint.hpp"
#include "eipnn/io/extxyz.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// Why this machine cannot run cuda, as the tool says it; empty when it can.
bool says_why_no_cuda(const std::string& log) {
    return log.find("built without CUDA") != std::string::npos || log.find("no usable CUDA device") != std::string::npos;
}

// Runs `args` (with --device cuda, naming an input `missing` that does not exist): it must fail
// with code 1, saying why there is no cuda here or, where there is, naming the missing input.
// Returns whether cuda is usable here.
bool refused_or_reads_first(const fs::path& tool, const std::string& args, const fs::path& err,
                            const std::string& missing) {
    INFO(args);
    CHECK(run_tool(tool, args, err) == 1);
    const std::string log = slurp(err);
    if (says_why_no_cuda(log)) return false;
    CHECK_THAT(log, Catch::Contains(missing));
    return true;
}

}  // namespace

TEST_CASE("eipnn label --device cuda labels on the GPU, or says why it cannot", "[cli][device][label]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_device_label");
    const fs::path in = dir / "in.extxyz", out = dir / "out.extxyz", host_out = dir / "host.extxyz", err = dir / "err.txt";
    {
        ExtxyzWriter w(in);
        for (int k = 0; k < 3; ++k) {
            Frame f;
            f.structure = test::diamond(5.431, 1 + k % 2, 1, 1);
            test::rattle(f.structure, 0.1, unsigned(k + 1));
            w.write(f);
        }
        w.close();
    }
    const std::string args = "label --in '" + in.string() + "' --eip SW=sw:Si.sw --out ";
    REQUIRE(run_tool(tool, args + "'" + host_out.string() + "' --device cpu", err) == 0);
    const int code = run_tool(tool, args + "'" + out.string() + "' --device cuda", err);
    if (code != 0) {
        CHECK(code == 1);
        CHECK(says_why_no_cuda(slurp(err)));
        CHECK_FALSE(fs::exists(out));  // refused before the output (OUT.tmp while writing) was created
        CHECK_FALSE(fs::exists(out.string() + ".tmp"));
        return;
    }
    // a GPU ran it: the same labels to rounding (the device may contract a*b+c into FMAs)
    const std::vector<Frame> device = read_all(out), host = read_all(host_out);
    REQUIRE(device.size() == host.size());
    for (std::size_t k = 0; k < host.size(); ++k) {
        CHECK(agrees_to_roundoff({device[k].info_real("energy_SW")}, {host[k].info_real("energy_SW")}, 1000));
        CHECK(agrees_to_roundoff(device[k].column_real("forces_SW"), host[k].column_real("forces_SW"), 1000));
    }
}

TEST_CASE("pool refuses --device cuda at once, and every command checks the name", "[cli][device]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_refused");
    const fs::path err = dir / "err.txt", never = dir / "never.extxyz";
    CHECK(run_tool(tool, "pool --out '" + never.string() + "' --count 2 --device cuda", err) == 1);
    const std::string log = slurp(err);
    // a build with CUDA says why pool has no device path before looking for a GPU
    if (log.find("built without CUDA") == std::string::npos) CHECK_THAT(log, Catch::Contains("runs on the host only"));
    CHECK_THAT(log, Catch::Contains("--device cpu"));
    CHECK_FALSE(fs::exists(never));
    CHECK_FALSE(fs::exists(never.string() + ".tmp"));
    CHECK(run_tool(tool, "pool --out '" + never.string() + "' --count 2 --device tpu", err) != 0);
    CHECK_THAT(slurp(err), Catch::Contains("--device"));
    CHECK_FALSE(fs::exists(never));
}

TEST_CASE("eipnn reproduce --device cuda says why not, or reads its data, before creating anything", "[cli][device]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_reproduce");
    refused_or_reads_first(tool,
                           "reproduce --element Si --quick --data '" + (dir / "no_data").string() + "' --out '" +
                               (dir / "r").string() + "' --device cuda",
                           dir / "err.txt", "no_data");
    CHECK_FALSE(fs::exists(dir / "r"));
}

TEST_CASE("eipnn eval --device cuda evaluates on the GPU, or says why not before reading anything", "[cli][device][eval]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_eval");
    const fs::path err = dir / "err.txt";
    // files that do not exist: a refusal must come first, naming the device, not the missing model
    refused_or_reads_first(
        tool, "eval --model '" + (dir / "none.ckpt").string() + "' --data '" + (dir / "none.extxyz").string() + "' --device cuda",
        err, "none.ckpt");
    CHECK(run_tool(tool, "eval --model m --data d --compress --device cuda", err) == 1);
    CHECK_THAT(slurp(err), Catch::Contains("compressed filters run on the host only"));
}

TEST_CASE("eipnn train --device cuda trains on the GPU, or says why not before reading anything", "[cli][device][train]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_train");
    const fs::path err = dir / "err.txt";
    // data that does not exist: a refusal must come first, naming the device
    const bool gpu = refused_or_reads_first(
        tool, "train --train '" + (dir / "none.extxyz").string() + "' --out '" + (dir / "none").string() + "' --device cuda",
        err, "none.extxyz");
    CHECK_FALSE(fs::exists(dir / "none"));
    CHECK_FALSE(fs::exists(dir / "none.last"));
    if (!gpu) return;
    // a GPU: one epoch on energies and forces in double on each side, the same results to rounding
    const fs::path data = write_si_set(dir / "si.extxyz", 8, 4);
    SpawnOptions so;
    so.env = {{"EIPNN_SCRIPT_DIR", stub_script_dir(dir).string()}};  // no plot: not what is compared
    so.err = (dir / "train_err.txt").string();
    std::vector<Checkpoint> best;
    for (const std::string device : {"cpu", "cuda"}) {
        const fs::path out = dir / ("m_" + device);
        const auto [code, log] = run_tool_args(
            tool, {"train", "--train", data.string(), "--split", "0.75", "0.25", "--epochs", "1", "--batch-size", "2",
                   "--features", "16", "--rbf", "12", "--interactions", "2", "--double", "--forces", "--out",
                   out.string(), "--device", device},
            so);
        INFO(log);
        REQUIRE(code == 0);
        best.push_back(read_checkpoint(out));
    }
    CHECK(agrees_to_roundoff(best[1].get_array("train.valid_metric", "cuda"), best[0].get_array("train.valid_metric", "cpu"),
                             1e6));
    CHECK(agrees_to_roundoff(best[1].get_array("model.parameters", "cuda"), best[0].get_array("model.parameters", "cpu"),
                             1e6));
}
