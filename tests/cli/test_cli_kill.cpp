// `eipnn train` killed at any moment loses nothing: SIGKILL at random moments (many of them inside
// a checkpoint write, made slow by the writer's test hook EIPNN_TEST_SLOW_WRITE_US), after which
// every checkpoint on disk loads and verifies and `--resume` ends with the same weights, bit for
// bit, as a run never interrupted. And a full disk (a file-size limit) is an error naming the
// file that leaves the previous checkpoints intact.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_support.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// A tiny model and a short run, so one run takes a fraction of a second and 50 kills plus their
// resumes fit in well under a minute. --threads 1: bit-for-bit results need a fixed thread count.
std::vector<std::string> train_args(const fs::path& set, const fs::path& out, int epochs) {
    return {"train", "--model", "schnet", "--features", "4", "--rbf", "4", "--interactions", "1", "--train", set.string(),
            "--split", "0.7", "0.3", "--epochs", std::to_string(epochs), "--batch-size", "2", "--threads", "1",
            "--seed", "5", "--out", out.string()};
}

// Empty plot scripts (stub_script_dir): the real plot costs a second of python per run.
SpawnOptions quiet(const fs::path& dir, long slow_write_us = 0) {
    SpawnOptions o;
    o.env = {{"EIPNN_SCRIPT_DIR", stub_script_dir(dir).string()}};
    if (slow_write_us > 0) o.env.push_back({"EIPNN_TEST_SLOW_WRITE_US", std::to_string(slow_write_us)});
    o.err = dir / "stderr.txt";
    return o;
}

// Loads a checkpoint as eval would: the checksum (read_checkpoint) and the model records
// (model_from_checkpoint). Fails the test, naming the file, when either throws.
Checkpoint load_and_verify(const fs::path& p) {
    INFO(p.string());
    Checkpoint c;
    REQUIRE_NOTHROW(c = read_checkpoint(p));
    REQUIRE_NOTHROW(with_model_kind<double>(stored_model_kind(c, p.string()), [&](auto* tag) {
        using Model = std::remove_pointer_t<decltype(tag)>;
        (void)model_from_checkpoint<Model>(c, p.string());
    }));
    return c;
}

// Everything a resumed run must reproduce exactly: every integer, string and array record, but
// of the stored log only the columns that do not hold wall-clock seconds.
bool same_state(const Checkpoint& a, const Checkpoint& b) {
    if (a.ints != b.ints || a.strings != b.strings || a.arrays.size() != b.arrays.size()) return false;
    for (const auto& [name, x] : a.arrays) {
        const auto it = b.arrays.find(name);
        if (it == b.arrays.end() || it->second.size() != x.size()) return false;
        for (std::size_t k = 0; k < x.size(); ++k) {
            if (name == "train.log" && k % 8 == 7) continue;  // EpochRecord::seconds
            // bit for bit: compare representations, so even -0.0 vs 0.0 or NaN payloads count
            if (std::memcmp(&x[k], &it->second[k], sizeof(double)) != 0) return false;
        }
    }
    return true;
}

bool is_temporary(const std::string& name) { return name.find(".tmp") != std::string::npos; }

void clear_dir(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) fs::remove(e.path());
}

}  // namespace

TEST_CASE("eipnn train killed at random moments loses nothing and resumes bit for bit", "[cli][train][kill]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_kill");
    const fs::path set = write_si_set(dir / "set.extxyz", 10, 1);
    const int epochs = 5;

    // the uninterrupted reference, and the same run with the slow-write hook: the hook changes
    // timing only, never a result
    const fs::path ref_dir = dir / "ref", work = dir / "work";
    fs::create_directories(ref_dir);
    fs::create_directories(work);
    const fs::path ref_out = ref_dir / "m.ckpt", out = work / "m.ckpt", last = work / "m.ckpt.last";
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(run_tool_args(tool, train_args(set, ref_out, epochs), quiet(ref_dir)).first == 0);
    const double ref_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Checkpoint ref_best = load_and_verify(ref_out), ref_last = load_and_verify(ref_out.string() + ".last");

    // 5 sleeps of 4 ms per checkpoint write, two writes per epoch: ~40 ms of writing per epoch
    // against a few ms of training on 7 configurations, so most random moments after start-up
    // fall inside a write
    const long slow_us = 4000;
    const auto t1 = std::chrono::steady_clock::now();
    REQUIRE(run_tool_args(tool, train_args(set, out, epochs), quiet(work, slow_us)).first == 0);
    const double slow_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    CHECK(same_state(load_and_verify(out), ref_best));
    CHECK(same_state(load_and_verify(last), ref_last));
    WARN("uninterrupted run " << ref_seconds << " s, with the slow-write hook " << slow_seconds << " s");

    std::mt19937_64 rng(20240517);
    std::uniform_real_distribution<double> moment(0.0, 1.05 * slow_seconds);
    int kills = 0, in_checkpoint_write = 0, in_log_write = 0, finished_first = 0, resumed = 0, matched = 0;
    for (int round = 0; round < 150 && (kills < 50 || in_checkpoint_write < 10); ++round) {
        clear_dir(work);
        const pid_t pid = spawn_tool(tool, train_args(set, out, epochs), quiet(work, slow_us));
        std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
        ::kill(pid, SIGKILL);
        const int code = wait_tool(pid);
        if (code != -SIGKILL) {  // it ended before the kill: nothing to learn from this moment
            CHECK(code == 0);
            ++finished_first;
            continue;
        }
        ++kills;
        // a killed writer leaves its temporary: the kill landed between its creation and the rename
        bool ckpt_tmp = false, log_tmp = false;
        for (const std::string& name : files_in(work)) {
            ckpt_tmp = ckpt_tmp || name.rfind("m.ckpt.tmp.", 0) == 0 || name.rfind("m.ckpt.last.tmp.", 0) == 0;
            log_tmp = log_tmp || name == "m.ckpt.log.csv.tmp";
        }
        in_checkpoint_write += ckpt_tmp;
        in_log_write += log_tmp;

        // what is on disk is whole
        if (fs::exists(out)) load_and_verify(out);
        const bool have_last = fs::exists(last);
        if (have_last) load_and_verify(last);

        // --resume continues from OUT.last; killed before the first epoch ended there is none,
        // and the run starts over
        std::vector<std::string> args = train_args(set, out, epochs);
        if (have_last) args.push_back("--resume");
        const auto [rc, err] = run_tool_args(tool, args, quiet(work));
        INFO("round " << round << ": " << err);
        REQUIRE(rc == 0);
        resumed += have_last;
        const bool same = same_state(load_and_verify(out), ref_best) && same_state(load_and_verify(last), ref_last);
        CHECK(same);
        matched += same;
        // nothing left over: no temporaries, and a log with a header and one line per epoch
        for (const std::string& name : files_in(work)) CHECK_FALSE(is_temporary(name));
        const std::string csv = slurp(work / "m.ckpt.log.csv");
        CHECK(std::count(csv.begin(), csv.end(), '\n') == epochs + 1);
    }
    WARN(kills << " kills (" << in_checkpoint_write << " inside a checkpoint write, " << in_log_write
               << " inside a log write; " << finished_first << " runs ended before their kill); " << resumed
               << " resumed from OUT.last, the rest restarted; " << matched << " ended bit for bit equal to the uninterrupted run");
    CHECK(kills >= 50);
    CHECK(in_checkpoint_write >= 10);
    CHECK(matched == kills);
}

TEST_CASE("eipnn train on a full disk: a clear error naming the file, previous checkpoints intact", "[cli][train][kill]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_full_disk");
    const fs::path set = write_si_set(dir / "set.extxyz", 10, 2);
    const fs::path out = dir / "m.ckpt", last = dir / "m.ckpt.last";
    REQUIRE(run_tool_args(tool, train_args(set, out, 2), quiet(dir)).first == 0);
    const std::string best_bytes = slurp(out), last_bytes = slurp(last);
    const std::string csv_before = slurp(dir / "m.ckpt.log.csv");

    // a limit below the size of a checkpoint: the next checkpoint write fails part-way with EFBIG
    SpawnOptions o = quiet(dir);
    o.file_size_limit = rlim_t(best_bytes.size() / 2);
    std::vector<std::string> args = train_args(set, out, 4);
    args.push_back("--resume");
    const auto [code, err] = run_tool_args(tool, args, o);
    INFO(err);
    CHECK(code == 1);
    REQUIRE(err.find("eipnn: error: ") != std::string::npos);
    CHECK(err.find("File too large") != std::string::npos);  // the system's reason, EFBIG
    CHECK(err.find(out.string()) != std::string::npos);       // the checkpoint it was writing
    CHECK(err.find("intact") != std::string::npos);
    const std::string error_line = err.substr(err.find("eipnn: error: "));
    CHECK(std::count(error_line.begin(), error_line.end(), '\n') == 1);  // one line
    // the previous checkpoints are whole and unchanged, the log too, and nothing is left over
    CHECK(slurp(out) == best_bytes);
    CHECK(slurp(last) == last_bytes);
    load_and_verify(out);
    load_and_verify(last);
    CHECK(slurp(dir / "m.ckpt.log.csv") == csv_before);
    for (const std::string& name : files_in(dir)) CHECK_FALSE(is_temporary(name));

    // the same for an extxyz output (ExtxyzWriter): pool under a 4 kB limit
    const fs::path pool = dir / "pool.extxyz";
    o.file_size_limit = 4096;
    const auto [pool_code, pool_err] =
        run_tool_args(tool, {"pool", "--count", "200", "--min-atoms", "8", "--max-atoms", "16", "--out", pool.string()}, o);
    INFO(pool_err);
    CHECK(pool_code == 1);
    CHECK(pool_err.find("eipnn: error: ") != std::string::npos);
    CHECK(pool_err.find(pool.string()) != std::string::npos);
    CHECK_FALSE(fs::exists(pool));
    for (const std::string& name : files_in(dir)) CHECK_FALSE(is_temporary(name));
}
