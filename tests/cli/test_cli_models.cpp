// `eipnn train` and `eipnn eval` for every model kind, run as a user runs them: a pool made and
// labelled by the tool itself (Stillinger–Weber energies, forces and virials as the labels), a
// short training run per kind, then eval on the checkpoint. What eval prints and writes is
// checked against the library's own evaluation of the same checkpoint in double.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// A small labelled Si set written by `eipnn pool` + `eipnn label`: energy/forces/virial keys
// renamed to the ones training and evaluation read.
fs::path labelled_set(const fs::path& dir, const fs::path& tool, int count, int seed) {
    const fs::path pool = dir / str("pool", seed, ".extxyz"), sw = dir / str("sw", seed, ".extxyz"),
                   out = dir / str("set", seed, ".extxyz"), err = dir / "err.txt";
    REQUIRE(run_tool(tool, str("pool --element Si --count ", count, " --seed ", seed, " --min-atoms 8 --max-atoms 16 --out '",
                               pool.string(), "'"),
                     err) == 0);
    REQUIRE(run_tool(tool, "label --in '" + pool.string() + "' --out '" + sw.string() + "' --eip SW=sw:Si.sw", err) == 0);
    ExtxyzWriter w(out);
    for (Frame f : read_all(sw)) {
        f.set_info("energy", f.info_reals("energy_SW").at(0));
        f.set_column("forces", f.column_real("forces_SW"), 3);
        f.set_info("virial", f.info_reals("virial_SW"));
        f.erase_info("energy_SW");
        f.erase_info("virial_SW");
        w.write(f);
    }
    w.close();
    return out;
}

// Runs the tool with stdout captured to a file; returns (exit status, stdout).
std::pair<int, std::string> run_capture(const fs::path& tool, const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
    const int status = test::run("'" + tool.string() + "' " + args + " > '" + out.string() + "' 2> '" + err.string() + "'");
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != 0) WARN(slurp(err));
    return {code, slurp(out)};
}

}  // namespace

TEST_CASE("eipnn train and eval work for every model kind", "[cli][train][eval][model]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_models");
    const fs::path train = labelled_set(dir, tool, 12, 3), test_set = labelled_set(dir, tool, 5, 4);
    const std::vector<Frame> test_frames = read_all(test_set);

    for (const std::string kind : {"schnet", "soapnet"}) {
        SECTION(kind) {
            const fs::path ckpt = dir / (kind + ".ckpt"), pred = dir / (kind + ".pred.extxyz");
            const std::string sizes = kind == "schnet" ? " --features 8 --rbf 8 --interactions 2" : " --features 8 --n-max 3 --l-max 2";
            const auto [train_code, train_out] =
                run_capture(tool, "train --model " + kind + sizes + " --train '" + train.string() + "' --split 0.75 0.25 --epochs 2 --threads 2 --out '" +
                                      ckpt.string() + "'",
                            dir);
            REQUIRE(train_code == 0);
            CHECK(train_out.find("best epoch") != std::string::npos);
            const Checkpoint c = read_checkpoint(ckpt);
            CHECK(stored_model_kind(c, ckpt.string()) == kind);

            const auto [code, json_text] = run_capture(
                tool, "eval --json --threads 1 --model '" + ckpt.string() + "' --data '" + test_set.string() + "' --out '" + pred.string() + "'", dir);
            REQUIRE(code == 0);
            const nlohmann::json j = nlohmann::json::parse(json_text);
            CHECK(j["model_kind"] == kind);
            CHECK(j["n_configs"] == test_frames.size());
            CHECK(std::isfinite(j["energy_mae_meV_per_atom"].get<double>()));
            CHECK(std::isfinite(j["force_mae_eV_per_A"].get<double>()));
            CHECK(std::isfinite(j["virial_mae_meV_per_atom"].get<double>()));
            CHECK(j["by_config_type"].size() >= 1);

            // the predictions are the library's, in double, from the same checkpoint
            with_model_kind<double>(kind, [&](auto* tag) {
                using Model = std::remove_pointer_t<decltype(tag)>;
                const Model m = model_from_checkpoint<Model>(c, ckpt.string());
                const std::vector<Frame> written = read_all(pred);
                REQUIRE(written.size() == test_frames.size());
                for (std::size_t k = 0; k < written.size(); ++k) {
                    const Structure& s = test_frames[k].structure;
                    const GraphBatch batch = make_graph_batch({s}, {build_neighbor_list(s, m.config.cutoff)});
                    typename Model::Forward fw;
                    EnergyForces<double> ef;
                    m.energy_forces(Host{1}, batch, fw, ef);
                    // the file stores %.17g: what eval wrote is the double it computed, in the
                    // tool's build (agrees_to_roundoff): 2 layers of width <= 8 in the backbone and
                    // heads, plus the descriptor or filter sums; 1024 ulps of the largest value
                    const std::vector<double> f = written[k].column_real("forces_eipnn");
                    const std::vector<double> v = written[k].info_reals("virial_eipnn");
                    const std::vector<double> v_lib(ef.virial.begin(), ef.virial.end());
                    CHECK(agrees_to_roundoff({written[k].info_real("energy_eipnn")}, {ef.energies[0]}, 1024));
                    CHECK(agrees_to_roundoff(f, ef.forces, 1024));
                    CHECK(agrees_to_roundoff(v, v_lib, 1024));
                }
            });
        }
    }
}

TEST_CASE("eipnn train refuses to resume a checkpoint of another kind, naming both", "[cli][train][model]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_models_kind");
    const fs::path train = labelled_set(dir, tool, 8, 5), ckpt = dir / "m.ckpt";
    const std::string common = " --train '" + train.string() + "' --split 0.75 0.25 --threads 1 --features 8 --rbf 8 "
                               "--interactions 1 --n-max 2 --l-max 1 --out '" + ckpt.string() + "'";
    REQUIRE(run_capture(tool, "train --model schnet --epochs 1" + common, dir).first == 0);
    const auto [code, out] = run_capture(tool, "train --model soapnet --resume --epochs 2" + common, dir);
    CHECK(code == 1);
    const std::string err = slurp(dir / "stderr.txt");
    CHECK(err.find("schnet") != std::string::npos);
    CHECK(err.find("soapnet") != std::string::npos);
    CHECK(run_capture(tool, "train --model transformer --epochs 1" + common, dir).first != 0);  // unknown kind: CLI11 rejects it
}
