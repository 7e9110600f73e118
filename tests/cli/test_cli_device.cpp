// `--device cpu|cuda` as a user meets it: every command takes it; cuda runs where the build has
// CUDA and the machine a GPU (labels then agree with the host's to rounding), and otherwise, like
// cuda for a command that runs on the host only, ends at once with a message that says why, before
// anything is read or written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
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

TEST_CASE("commands without a device path refuse --device cuda at once, and check the name", "[cli][device]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_refused");
    const fs::path err = dir / "err.txt", never = dir / "never.extxyz";
    for (const std::string& args :
         {std::string("train --train no_such.extxyz --out '") + (dir / "m").string() + "' --device cuda",
          std::string("pool --out '") + never.string() + "' --count 2 --device cuda",
          std::string("reproduce --element Si --quick --out '") + (dir / "r").string() + "' --device cuda"}) {
        INFO(args);
        CHECK(run_tool(tool, args, err) == 1);
        const std::string log = slurp(err);
        // a build with CUDA names the command's missing device path before looking for a GPU
        if (log.find("built without CUDA") == std::string::npos)
            CHECK_THAT(log, Catch::Contains("runs on the host only so far"));
        CHECK_THAT(log, Catch::Contains("--device cpu"));
    }
    CHECK_FALSE(fs::exists(never));
    CHECK_FALSE(fs::exists(never.string() + ".tmp"));
    CHECK_FALSE(fs::exists(dir / "r"));
    CHECK(run_tool(tool, "pool --out '" + never.string() + "' --count 2 --device tpu", err) != 0);
    CHECK_THAT(slurp(err), Catch::Contains("--device"));
    CHECK_FALSE(fs::exists(never));
}

TEST_CASE("eipnn eval --device cuda evaluates on the GPU, or says why not before reading anything", "[cli][device][eval]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_device_eval");
    const fs::path err = dir / "err.txt";
    // files that do not exist: a refusal must come first, naming the device, not the missing model
    const int code = run_tool(tool, "eval --model '" + (dir / "none.ckpt").string() + "' --data '" +
                                        (dir / "none.extxyz").string() + "' --device cuda",
                              err);
    CHECK(code == 1);
    const std::string log = slurp(err);
    if (!says_why_no_cuda(log)) CHECK_THAT(log, Catch::Contains("none.ckpt"));  // a GPU: then the missing file
    CHECK(run_tool(tool, "eval --model m --data d --compress --device cuda", err) == 1);
    CHECK_THAT(slurp(err), Catch::Contains("compressed filters run on the host only"));
}
