// Bad input through every command: each broken file or absurd flag ends the tool with exit code 1
// and one line `eipnn: error: ...` that names the file and the frame (and the line where there is
// one), and leaves no partial output: an output that did not exist before does not exist after,
// and one that existed is unchanged. Two inputs that look odd but are well defined (an inverted
// cell; a non-periodic direction thinner than the cutoff, which neighbor_list.hpp handles by
// binning the atoms' own extent there) must instead work, and give the energies of the ordinary
// form of the same structure.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// Frames 0..2 good, frame 3 altered by `edit`: an error must name frame 3, not just the file.
std::string set_with_bad_frame(const std::function<void(TextFrame&)>& edit) {
    std::string t;
    for (int k = 0; k < 3; ++k) t += si_frame(k).text();
    TextFrame f = si_frame(3);
    edit(f);
    return t + f.text();
}

struct BadFile {
    std::string name, text;
    bool names_frame, names_line;
    bool labels_only_matter;  // a broken label (energy, forces): `label` does not read them
};

std::vector<BadFile> bad_files() {
    std::string truncated = set_with_bad_frame([](TextFrame&) {});
    for (int k = 0; k < 4; ++k) truncated.erase(truncated.find_last_of('\n', truncated.size() - 2) + 1);
    return {
        {"empty file", "", false, false, false},
        {"truncated frame", truncated, true, true, false},
        {"NaN position", set_with_bad_frame([](TextFrame& f) { f.atoms[2][1] = "nan"; }), true, true, false},
        {"Inf position", set_with_bad_frame([](TextFrame& f) { f.atoms[2][3] = "-inf"; }), true, true, false},
        {"overlapping atoms", set_with_bad_frame([](TextFrame& f) {
             for (int d = 1; d <= 3; ++d) f.atoms[1][std::size_t(d)] = f.atoms[0][std::size_t(d)];
         }), true, true, false},
        {"unknown species", set_with_bad_frame([](TextFrame& f) { f.atoms[3][0] = "Xx"; }), true, true, false},
        {"zero-volume cell", set_with_bad_frame([](TextFrame& f) { f.lattice = "5.43 0 0 5.43 0 0 0 0 5.43"; }), true, true, false},
        {"non-UTF-8 bytes", set_with_bad_frame([](TextFrame& f) { f.atoms[4][0] = "S\xc3\x28"; }), true, true, false},
        {"non-UTF-8 number", set_with_bad_frame([](TextFrame& f) { f.atoms[4][2] = "1.5\xff"; }), true, true, false},
        {"NaN energy", set_with_bad_frame([](TextFrame& f) { f.energy = "nan"; }), true, true, true},
        {"Inf energy", set_with_bad_frame([](TextFrame& f) { f.energy = "inf"; }), true, true, true},
        {"Inf force", set_with_bad_frame([](TextFrame& f) { f.atoms[5][5] = "inf"; }), true, true, true},
        {"NaN force", set_with_bad_frame([](TextFrame& f) { f.atoms[5][4] = "nan"; }), true, true, true},
        {"missing energy key", set_with_bad_frame([](TextFrame& f) { f.has_energy = false; }), true, true, true},
    };
}

// One failure, checked: exit 1, one error line naming what it must, no output left behind (or
// the old one unchanged).
void check_failure(const fs::path& tool, const std::vector<std::string>& args, const fs::path& dir,
                   const std::vector<std::string>& must_name, const std::vector<fs::path>& outputs) {
    for (const bool existed : {false, true}) {
        for (const fs::path& o : outputs) {
            fs::remove_all(o);
            if (existed) write_text(o, "precious\n");
        }
        SpawnOptions so;
        so.err = dir / "stderr.txt";
        so.env = {{"EIPNN_SCRIPT_DIR", stub_script_dir(dir).string()}};
        const auto [code, err] = run_tool_args(tool, args, so);
        std::string cmd;
        for (const auto& a : args) cmd += a + " ";
        INFO(cmd << (existed ? "(outputs existed)" : "(no outputs before)") << "\nstderr: " << err);
        CHECK(code == 1);
        const std::size_t at = err.find("eipnn: error: ");
        REQUIRE(at != std::string::npos);
        const std::string line = err.substr(at);
        CHECK(std::count(line.begin(), line.end(), '\n') == 1);
        for (const std::string& s : must_name) CHECK(line.find(s) != std::string::npos);
        for (const fs::path& o : outputs) {
            if (existed) CHECK(slurp(o) == "precious\n");
            else CHECK_FALSE(fs::exists(o));
        }
        for (const std::string& name : files_in(dir)) CHECK(name.find(".tmp") == std::string::npos);
    }
}

}  // namespace

TEST_CASE("every command refuses bad input files, naming file and frame, leaving no output", "[cli][bad_input]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_bad_input");
    const fs::path good = write_si_set(dir / "good.extxyz", 8, 1), model = dir / "model.ckpt";
    SpawnOptions so;
    so.env = {{"EIPNN_SCRIPT_DIR", stub_script_dir(dir).string()}};
    REQUIRE(run_tool_args(tool, {"train", "--train", good.string(), "--split", "0.75", "0.25", "--epochs", "1", "--features", "4",
                                 "--rbf", "4", "--interactions", "1", "--threads", "1", "--out", model.string()},
                          so).first == 0);
    for (const BadFile& b : bad_files()) {
        SECTION(b.name) {
            const fs::path in = dir / "bad.extxyz", out = dir / "out.extxyz", ckpt = dir / "out.ckpt";
            write_text(in, b.text);
            std::vector<std::string> named{in.string()};
            if (b.names_frame) named.push_back("frame 3");
            if (b.names_line) named.push_back("line ");
            if (!b.labels_only_matter)
                check_failure(tool, {"label", "--in", in.string(), "--out", out.string(), "--eip", "SW=sw:Si.sw", "--threads", "1"},
                              dir, named, {out});
            check_failure(tool, {"train", "--train", in.string(), "--split", "0.75", "0.25", "--epochs", "1", "--features", "4",
                                 "--rbf", "4", "--interactions", "1", "--threads", "1", "--out", ckpt.string()},
                          dir, named, {ckpt, ckpt.string() + ".last", ckpt.string() + ".log.csv"});
            check_failure(tool, {"eval", "--model", model.string(), "--data", in.string(), "--out", out.string(), "--threads", "1"},
                          dir, named, {out});
        }
    }
}

TEST_CASE("training on forces refuses missing or broken force and stress labels before it starts", "[cli][bad_input]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_bad_force_labels");
    struct Case {
        std::string name;
        std::function<void(TextFrame&)> edit;
        std::vector<std::string> extra_flags;  // besides --forces
    };
    const std::vector<Case> cases{
        {"no forces", [](TextFrame& f) { f.has_forces = false; }, {}},
        {"NaN force", [](TextFrame& f) { f.atoms[2][6] = "nan"; }, {}},
        {"stress of five numbers", [](TextFrame& f) { f.extra_info = "virial_stress_kbar=\"1 2 3 4 5\""; }, {}},
        {"NaN stress", [](TextFrame& f) { f.extra_info = "virial_stress_kbar=\"1 2 nan 4 5 6\""; }, {}},
        {"stress that is text", [](TextFrame& f) { f.extra_info = "virial_stress_kbar=big"; }, {}},
        // an explicit stress weight needs every configuration's stress: frame 3 lacks it
        {"missing stress", [](TextFrame&) {}, {"--stress-weight", "100"}},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            std::string text;
            for (int k = 0; k < 3; ++k) {
                TextFrame f = si_frame(k);
                if (c.name == "missing stress") f.extra_info = "virial_stress_kbar=\"10 10 10 1 2 3\"";
                text += f.text();
            }
            TextFrame bad = si_frame(3);
            c.edit(bad);
            text += bad.text();
            const fs::path in = dir / "bad.extxyz", ckpt = dir / "out.ckpt";
            write_text(in, text);
            std::vector<std::string> args{"train", "--train", in.string(), "--valid", in.string(), "--forces",
                                          "--epochs", "1", "--features", "4", "--rbf", "4", "--interactions", "1",
                                          "--threads", "1", "--out", ckpt.string()};
            args.insert(args.end(), c.extra_flags.begin(), c.extra_flags.end());
            check_failure(tool, args, dir, {in.string(), "frame 3"}, {ckpt, ckpt.string() + ".last", ckpt.string() + ".log.csv"});
        }
    }
}

TEST_CASE("inverted cells and thin non-periodic directions are handled, not refused", "[cli][bad_input]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_odd_cells");
    // the same atoms, in the odd form and in an ordinary one
    struct Case {
        std::string name;
        std::function<void(TextFrame&)> odd, ordinary;
    };
    const std::vector<Case> cases = {
        // -a spans the same periodic lattice as a (a left-handed basis, negative determinant)
        {"inverted cell", [](TextFrame& f) { f.lattice = "-5.43 0 0 0 5.43 0 0 0 5.43"; }, [](TextFrame&) {}},
        // no images along c: its length does not matter, even below the SW cutoff (3.77 Å)
        {"non-periodic direction thinner than the cutoff",
         [](TextFrame& f) {
             f.lattice = "5.43 0 0 0 5.43 0 0 0 1.0";
             f.pbc = "T T F";
         },
         [](TextFrame& f) {
             f.lattice = "5.43 0 0 0 5.43 0 0 0 30.0";
             f.pbc = "T T F";
         }},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            const fs::path odd = dir / "odd.extxyz", ordinary = dir / "ordinary.extxyz";
            write_text(odd, set_with_bad_frame(c.odd));
            write_text(ordinary, set_with_bad_frame(c.ordinary));
            SpawnOptions so;
            so.err = dir / "stderr.txt";
            so.env = {{"EIPNN_SCRIPT_DIR", stub_script_dir(dir).string()}};
            std::vector<std::vector<double>> energies, forces;
            for (const fs::path& in : {odd, ordinary}) {
                const fs::path out = dir / (in.stem().string() + ".sw.extxyz");
                const auto [code, err] =
                    run_tool_args(tool, {"label", "--in", in.string(), "--out", out.string(), "--eip", "SW=sw:Si.sw", "--threads", "1"}, so);
                INFO(err);
                REQUIRE(code == 0);
                const std::vector<Frame> frames = read_all(out);
                REQUIRE(frames.size() == 4);
                energies.push_back({frames[3].info_real("energy_SW")});
                forces.push_back(frames[3].column_real("forces_SW"));
            }
            CHECK(agrees_to_roundoff(energies[0], energies[1]));
            CHECK(agrees_to_roundoff(forces[0], forces[1]));
            // and training reads it
            const auto [code, err] = run_tool_args(tool, {"train", "--train", odd.string(), "--split", "0.75", "0.25", "--epochs", "1",
                                                          "--features", "4", "--rbf", "4", "--interactions", "1", "--threads", "1",
                                                          "--out", (dir / "odd.ckpt").string()},
                                                   so);
            INFO(err);
            CHECK(code == 0);
        }
    }
}

TEST_CASE("every command refuses absurd flags before writing anything", "[cli][bad_input]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_bad_flags");
    const fs::path good = write_si_set(dir / "good.extxyz", 8, 2), out = dir / "out.extxyz", ckpt = dir / "out.ckpt";
    const std::vector<fs::path> train_outputs{ckpt, ckpt.string() + ".last", ckpt.string() + ".log.csv"};
    const std::vector<std::string> train_common{"train", "--train", good.string(), "--split", "0.75", "0.25", "--features", "4",
                                                "--rbf", "4", "--interactions", "1", "--threads", "1", "--out", ckpt.string()};
    auto train_with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = train_common;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    struct Row {
        std::vector<std::string> args;
        std::vector<std::string> must_name;
        std::vector<fs::path> outputs;
    };
    const std::vector<Row> rows = {
        {{"pool", "--count", "-1", "--out", out.string()}, {"--count"}, {out}},
        {{"pool", "--count", "1000000000000", "--out", out.string()}, {"--count"}, {out}},
        {{"pool", "--count", "0", "--out", out.string()}, {"--count"}, {out}},
        {{"pool", "--count", "3", "--min-atoms", "10", "--max-atoms", "2", "--out", out.string()}, {"--min-atoms"}, {out}},
        {{"pool", "--count", "3", "--rattle", "nan", "--out", out.string()}, {"--rattle"}, {out}},
        {{"pool", "--count", "3", "--strain", "2", "--out", out.string()}, {"--strain"}, {out}},
        {{"pool", "--count", "3", "--element", "Xx", "--out", out.string()}, {"Xx"}, {out}},
        {{"pool", "--count", "3", "--out", (dir / "no-such-folder" / "p.extxyz").string()}, {"no-such-folder"}, {}},
        {train_with({"--epochs", "0"}), {"--epochs"}, train_outputs},
        {train_with({"--epochs", "-3"}), {"--epochs"}, train_outputs},
        {train_with({"--epochs", "1", "--batch-size", "0"}), {"--batch-size"}, train_outputs},
        {train_with({"--epochs", "1", "--lr", "nan"}), {"--lr"}, train_outputs},
        {train_with({"--epochs", "1", "--patience", "-2"}), {"--patience"}, train_outputs},
        {{"train", "--train", good.string(), "--split", "1.5", "0.5", "--epochs", "1", "--out", ckpt.string()}, {"--split"}, train_outputs},
        {{"train", "--train", (dir / "missing.extxyz").string(), "--out", ckpt.string()}, {"missing.extxyz"}, train_outputs},
        {{"train", "--train", good.string(), "--out", (dir / "no-such-folder" / "m.ckpt").string()}, {"no-such-folder"}, {}},
        {{"eval", "--model", good.string(), "--data", good.string(), "--out", out.string()}, {"good.extxyz", "checkpoint"}, {out}},
        {{"eval", "--model", (dir / "none.ckpt").string(), "--data", good.string(), "--out", out.string()}, {"none.ckpt"}, {out}},
        {{"eval", "--model", (dir / "none.ckpt").string(), "--data", good.string(), "--batch-size", "0"}, {"--batch-size"}, {}},
        {{"label", "--in", (dir / "missing.extxyz").string(), "--out", out.string(), "--eip", "SW=sw:Si.sw"}, {"missing.extxyz"}, {out}},
        {{"label", "--in", good.string(), "--out", out.string(), "--eip", "SW=nosuchstyle:Si.sw"}, {"nosuchstyle"}, {out}},
    };
    for (const Row& r : rows) check_failure(tool, r.args, dir, r.must_name, r.outputs);
}

TEST_CASE("eipnn reproduce fails before a long run, naming the cause, creating no output folder", "[cli][bad_input][reproduce]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_bad_reproduce");
    const fs::path out = dir / "results", data = dir / "data", missing = dir / "no-data";
    fs::create_directories(data / "mlearn-si");
    // a broken training set (frame 3 truncated) beside a good test set
    std::string broken;
    for (int k = 0; k < 4; ++k) broken += si_frame(k).text();
    broken.resize(broken.size() - 60);
    write_text(data / "mlearn-si" / "training.extxyz", broken);
    write_si_set(data / "mlearn-si" / "test.extxyz", 4, 3);
    const std::vector<std::string> common{"reproduce", "--element", "Si", "--quick", "--eip", "SW=sw:Si.sw", "--out", out.string(),
                                          "--threads", "1"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = common;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    check_failure(tool, with({"--data", missing.string()}), dir, {"no-data", "training.extxyz"}, {out});
    check_failure(tool, with({"--data", data.string()}), dir,
                  {(data / "mlearn-si" / "training.extxyz").string(), "frame 3", "line "}, {out});
    check_failure(tool, with({"--data", data.string(), "--seeds", "0"}), dir, {"--seeds"}, {out});
    check_failure(tool, with({"--data", data.string(), "--alphas", "1,x"}), dir, {"--alphas", "'x'"}, {out});
    check_failure(tool, with({"--data", data.string(), "--epochs", "-1"}), dir, {"--epochs"}, {out});
    check_failure(tool, with({"--data", data.string(), "--train-fractions", "0.5,1.5"}), dir,
                  {"--train-fractions", "'1.5'", "(0, 1]"}, {out});
    check_failure(tool, with({"--data", data.string(), "--train-fractions", "0,1"}), dir, {"--train-fractions", "'0'"}, {out});
    check_failure(tool, with({"--data", data.string(), "--weak-forces"}), dir, {"--weak-forces", "--forces"}, {out});
    check_failure(tool, with({"--data", data.string(), "--methods", "baseline,nope"}), dir, {"--methods", "'nope'", "pretrain"}, {out});
    check_failure(tool, with({"--data", data.string(), "--methods", "weak,both"}), dir, {"--methods", "'both'", "weak,pretrain"}, {out});
}
