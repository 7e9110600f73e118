// What the command-line tests share: the built `eipnn` tool, running it, reading what it wrote.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"
#include "support/test_support.hpp"

namespace eipnn::test::cli {

namespace fs = std::filesystem;

inline fs::path tool_or_skip() {
    const fs::path tool = eipnn::test::binary_dir() / "bin" / "eipnn";
    if (!fs::is_regular_file(tool)) eipnn::test::skip("the eipnn tool is not built (EIPNN_BUILD_TOOL=OFF)");
    return tool;
}

inline void potential_file_or_skip(const std::string& name) {
    try {
        resolve_potential_file(name, "test");
    } catch (const Error&) {
        eipnn::test::skip(name + " not installed (Debian package lammps-data)");
    }
}

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs the tool with `args`, stderr to `err`; returns the exit status.
inline int run_tool(const fs::path& tool, const std::string& args, const fs::path& err) {
    const int status = eipnn::test::run("'" + tool.string() + "' " + args + " > /dev/null 2> '" + err.string() + "'");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::vector<Frame> read_all(const fs::path& p) {
    std::vector<Frame> frames;
    ExtxyzReader r(p);
    Frame f;
    while (r.next(f)) frames.push_back(f);
    return frames;
}

// The tool is compiled for the host's instruction set (EIPNN_NATIVE: FMA contraction, wider
// vectors) and the tests portably, so what it writes agrees with the library in the test to
// round-off, not to the last bit: |a - b| <= ulps eps (scale + |b|), with scale the largest
// magnitude of the quantity (the size of the terms whose sum is compared). 64 ulps cover an EIP's
// per-atom sums; a network's values pass through GEMMs whose summation order follows the vector
// width, a difference of up to the dot product's length in ulps per layer, so its callers say more.
inline bool agrees_to_roundoff(const std::vector<double>& a, const std::vector<double>& b, double ulps = 64) {
    if (a.size() != b.size()) return false;
    double scale = 0;
    for (double x : b) scale = std::max(scale, std::abs(x));
    for (std::size_t k = 0; k < a.size(); ++k)
        if (!eipnn::test::close(a[k], b[k], ulps * eipnn::test::eps<double>() * scale, ulps * eipnn::test::eps<double>()))
            return false;
    return true;
}


// How spawn_tool starts the tool: extra environment, a file-size limit, where stdout/stderr go.
struct SpawnOptions {
    std::vector<std::pair<std::string, std::string>> env;  // set in the child only
    rlim_t file_size_limit = RLIM_INFINITY;                 // RLIMIT_FSIZE, bytes
    fs::path out = "/dev/null", err = "/dev/null";
};

// Starts the tool with fork + exec, without a shell, so the returned pid is the tool's own and a
// signal sent to it hits the tool (not a shell around it). Under a file-size limit SIGXFSZ is
// ignored in the child (the disposition survives exec), so a write past the limit fails with
// EFBIG, as on a full disk, instead of killing the process.
inline pid_t spawn_tool(const fs::path& tool, const std::vector<std::string>& args, const SpawnOptions& o = {}) {
    std::vector<std::string> argv{tool.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // the child: only async-signal-safe calls until exec, then _exit on any failure
    for (const auto& [k, v] : o.env) ::setenv(k.c_str(), v.c_str(), 1);
    if (o.file_size_limit != RLIM_INFINITY) {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit lim{o.file_size_limit, o.file_size_limit};
        if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
    }
    const int out = ::open(o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(o.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
}

// Waits for a spawned tool: its exit code, or -(signal number) when a signal ended it.
inline int wait_tool(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1000;
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : -1000;
}

// Runs the tool to its end; returns (exit code, stderr).
inline std::pair<int, std::string> run_tool_args(const fs::path& tool, const std::vector<std::string>& args,
                                                 SpawnOptions o) {
    const int code = wait_tool(spawn_tool(tool, args, o));
    return {code, o.err == "/dev/null" ? std::string() : slurp(o.err)};
}

// Every file of a folder (names only), sorted.
inline std::vector<std::string> files_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}


// One 8-atom diamond Si frame as extxyz text, each field a string so a test can break any of
// them. Atoms are displaced by a deterministic pattern of `k`; the energy and forces are made-up
// numbers (training and evaluation need finite labels, not physical ones).
struct TextFrame {
    std::string lattice = "5.43 0 0 0 5.43 0 0 0 5.43", pbc = "T T T", energy;
    bool has_energy = true, has_forces = true;
    std::string extra_info;                       // appended to the info line, e.g. a stress entry
    std::vector<std::vector<std::string>> atoms;  // species x y z fx fy fz

    std::string text() const {
        std::string t = str(atoms.size(), "\nLattice=\"", lattice, "\" Properties=species:S:1:pos:R:3",
                            has_forces ? ":forces:R:3" : "");
        if (has_energy) t += " energy=" + energy;
        if (!extra_info.empty()) t += " " + extra_info;
        t += " pbc=\"" + pbc + "\"\n";
        for (const auto& a : atoms) {
            for (std::size_t q = 0; q < (has_forces ? a.size() : std::min<std::size_t>(4, a.size())); ++q)
                t += (q ? " " : "") + a[q];
            t += "\n";
        }
        return t;
    }
};

inline TextFrame si_frame(int k) {
    static const double frac[8][3] = {{0, 0, 0},       {0, .5, .5},     {.5, 0, .5},     {.5, .5, 0},
                                      {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    TextFrame f;
    double shift_sum = 0;
    for (int i = 0; i < 8; ++i) {
        std::vector<std::string> a{"Si"};
        for (int d = 0; d < 3; ++d) {
            const double u = 0.08 * std::sin(1.7 * k + 2.3 * i + 0.9 * d);  // Å, well inside the cell
            shift_sum += u * u;
            a.push_back(str(5.43 * frac[i][d] + u));
        }
        for (int d = 0; d < 3; ++d) a.push_back(str(0.3 * std::cos(1.1 * k + 0.7 * i + 1.3 * d)));
        f.atoms.push_back(a);
    }
    f.energy = str(-37.0 + 4.0 * shift_sum);
    return f;
}

inline void write_text(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

// `n` frames of si_frame(seed * 1000 + k) in one file.
inline fs::path write_si_set(const fs::path& p, int n, int seed) {
    std::string t;
    for (int k = 0; k < n; ++k) t += si_frame(seed * 1000 + k).text();
    write_text(p, t);
    return p;
}


// A folder of empty stand-ins for the tool's plotting scripts, for EIPNN_SCRIPT_DIR: the tool
// looks there first, so a test that runs `train` many times does not pay a second of python and
// matplotlib per run for a plot it never looks at.
inline fs::path stub_script_dir(const fs::path& dir) {
    const fs::path d = dir / "stub-scripts";
    fs::create_directories(d);
    for (const char* name : {"plot_learning_curves.py", "plot_reproduce.py"}) std::ofstream(d / name) << "\n";
    return d;
}

}  // namespace eipnn::test::cli
