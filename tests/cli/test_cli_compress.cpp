// `eipnn eval --compress` and `eipnn export-kim --compress` (nn/filter_table.hpp, nn/compress.hpp):
// eval through the tables gives what the library's compressed model gives on the same checkpoint,
// close to but not the exact model's numbers; export-kim adds only the spacing record to the
// parameter file (an uncompressed export stays a byte copy); SOAPNet refuses --compress with a
// message that says it applies to SchNet. The checkpoints are written here from untrained models
// (interpolation error does not need good weights).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "eipnn/nn/compress.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "support/model_fixtures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// The first `n` mlearn Si test configurations, as a file of their own.
fs::path si_frames(const fs::path& dir, std::size_t n) {
    const fs::path src = eipnn::test::data_file_or_skip("mlearn-si/test.extxyz"), out = dir / "si.extxyz";
    ExtxyzWriter w(out);
    std::size_t k = 0;
    for (const Frame& f : read_all(src))
        if (k++ < n) w.write(f);
    w.close();
    return out;
}

template <class Model>
fs::path write_model(const Model& m, const fs::path& file) {
    Checkpoint c;
    store_model(m, c);
    write_checkpoint(file, c);
    return file;
}

}  // namespace

TEST_CASE("eipnn eval --compress evaluates a SchNet through its filter tables", "[cli][eval][filter_table]") {
    const fs::path tool = tool_or_skip(), dir = eipnn::test::scratch_dir("cli_compress_eval"), err = dir / "err.txt";
    const fs::path data = si_frames(dir, 4);
    SchNetConfig cfg;
    cfg.species = {14};
    cfg.n_features = 16;
    cfg.n_rbf = 32;
    cfg.n_interactions = 2;
    cfg.head_hidden = 8;
    SchNet<double> m(cfg, 3);
    m.head_ref = {-5.0};
    const fs::path ckpt = write_model(m, dir / "schnet.ckpt");
    const fs::path exact_out = dir / "exact.extxyz", comp_out = dir / "compressed.extxyz";
    REQUIRE(run_tool(tool, str("eval --model '", ckpt.string(), "' --data '", data.string(), "' --threads 1 --out '",
                               exact_out.string(), "'"),
                     err) == 0);
    const double spacing = 0.01;
    REQUIRE(run_tool(tool, str("eval --model '", ckpt.string(), "' --data '", data.string(),
                               "' --threads 1 --compress --table-spacing ", spacing, " --out '", comp_out.string(), "'"),
                     err) == 0);
    // the library's compressed model on the same checkpoint and frames
    SchNet<double> c = model_from_checkpoint<SchNet<double>>(read_checkpoint(ckpt), ckpt.string());
    c.compress_filters(Host{1}, spacing);
    const std::vector<Frame> frames = read_all(data), exact = read_all(exact_out), comp = read_all(comp_out);
    REQUIRE(comp.size() == frames.size());
    double largest_change = 0;
    for (std::size_t k = 0; k < frames.size(); ++k) {
        SchNetForward<double> fw;
        EnergyForces<double> ef;
        c.energy_forces(Host{1}, make_graph_batch({frames[k].structure}, c.config.cutoff), fw, ef);
        const double e = comp[k].info_real("energy_eipnn");
        CHECK(eipnn::test::close(e, ef.energies[0], 0, 1e-12));  // the same code on the same numbers
        const std::vector<double> f = comp[k].column_real("forces_eipnn"), fx = exact[k].column_real("forces_eipnn");
        for (std::size_t i = 0; i < f.size(); ++i) {
            CHECK(eipnn::test::close(f[i], ef.forces[i], 1e-12, 1e-10));
            largest_change = std::max(largest_change, std::abs(f[i] - fx[i]));
        }
    }
    // tabulated, so not the exact numbers, but within the interpolation's goal (1e-3 eV/Å)
    CHECK(largest_change > 0);
    CHECK(largest_change < 1e-3);
    // --json reports the tables
    const fs::path json_out = dir / "eval.json";
    REQUIRE(eipnn::test::run(str("'", tool.string(), "' eval --model '", ckpt.string(), "' --data '", data.string(),
                                 "' --threads 1 --compress --json > '", json_out.string(), "'")) == 0);
    const nlohmann::json j = nlohmann::json::parse(slurp(json_out));
    CHECK(j["compressed_filters"]["tables"].get<int>() == 2);
    const std::size_t nodes = j["compressed_filters"]["nodes"].get<std::size_t>();
    CHECK(j["compressed_filters"]["bytes"].get<std::size_t>() == 2 * nodes * 2 * 16 * sizeof(double));  // (n, 2F) x 2
    // --table-spacing alone is a mistake
    CHECK(run_tool(tool, str("eval --model '", ckpt.string(), "' --data '", data.string(), "' --table-spacing 0.01"), err) != 0);
    CHECK_THAT(slurp(err), Catch::Contains("--table-spacing needs --compress"));
}

TEST_CASE("eipnn export-kim --compress records the table spacing and nothing else", "[cli][kim][filter_table]") {
    const fs::path tool = tool_or_skip(), dir = eipnn::test::scratch_dir("cli_compress_export"), err = dir / "err.txt";
    SchNetConfig cfg;
    cfg.species = {14};
    cfg.n_features = 8;
    cfg.n_rbf = 16;
    cfg.n_interactions = 2;
    const fs::path ckpt = write_model(SchNet<double>(cfg, 4), dir / "schnet.ckpt");
    REQUIRE(run_tool(tool, str("export-kim --model '", ckpt.string(), "' --name Plain --out '", (dir / "items").string(), "'"),
                     err) == 0);
    CHECK(slurp(dir / "items" / "Plain" / "Plain.ckpt") == slurp(ckpt));  // a byte copy, as before
    REQUIRE(run_tool(tool, str("export-kim --model '", ckpt.string(), "' --name Tabulated --compress --table-spacing 0.02 --out '",
                               (dir / "items").string(), "'"),
                     err) == 0);
    const Checkpoint original = read_checkpoint(ckpt), exported = read_checkpoint(dir / "items" / "Tabulated" / "Tabulated.ckpt");
    const double spacing = stored_filter_table_spacing(exported, "exported");
    CHECK(spacing > 0.0199);
    CHECK(spacing <= 0.02);
    Checkpoint rest = exported;
    rest.arrays.erase(kFilterTableSpacingRecord);
    CHECK(rest.arrays == original.arrays);
    CHECK(rest.ints == original.ints);
    CHECK(rest.strings == original.strings);
    CHECK(stored_filter_table_spacing(original, "original") < 0);  // no record: the exact filters
}

TEST_CASE("eipnn eval and export-kim refuse --compress for a SOAPNet, saying it applies to SchNet",
          "[cli][eval][kim][filter_table]") {
    const fs::path tool = tool_or_skip(), dir = eipnn::test::scratch_dir("cli_compress_soapnet"), err = dir / "err.txt";
    const fs::path data = si_frames(dir, 2);
    using Fixture = eipnn::test::ModelFixture<SoapNet<double>>;
    const fs::path ckpt = write_model(eipnn::test::small_model<SoapNet<double>>(Fixture::small_config()), dir / "soap.ckpt");
    CHECK(run_tool(tool, str("eval --model '", ckpt.string(), "' --data '", data.string(), "' --compress"), err) != 0);
    CHECK_THAT(slurp(err), Catch::Contains("compressed filters apply to SchNet") && Catch::Contains("soapnet"));
    CHECK(run_tool(tool, str("export-kim --model '", ckpt.string(), "' --name Soap --compress --out '", (dir / "items").string(), "'"),
                   err) != 0);
    CHECK_THAT(slurp(err), Catch::Contains("compressed filters apply to SchNet") && Catch::Contains("export-kim --compress"));
    CHECK(!fs::exists(dir / "items" / "Soap"));
}
