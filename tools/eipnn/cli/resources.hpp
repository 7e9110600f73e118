// What the `eipnn` tool finds at run time instead of having it compiled in: its plotting scripts,
// the data folder, and how it starts a helper program. No path of the machine that built the
// tool is in the binary, so an installed (or copied) prefix works without the source tree.
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

// From the executable's folder to the scripts' folder; CMake passes the one of its install
// layout (tools/eipnn/CMakeLists.txt), this is GNUInstallDirs' default.
#ifndef EIPNN_SCRIPT_RELDIR
#define EIPNN_SCRIPT_RELDIR "../share/eipnn"
#endif

namespace eipnn::cli {

namespace fs = std::filesystem;

// The value of an environment variable, empty when unset.
inline std::string env_value(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

// The running executable's folder (through /proc, so it is right whatever the current directory
// and however the tool was started); empty where /proc is not mounted.
inline fs::path executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

// Where find_script looks, in order:
//   1. $EIPNN_SCRIPT_DIR: an override for layouts the tool cannot guess;
//   2. <folder of the executable>/EIPNN_SCRIPT_RELDIR: <prefix>/share/eipnn after
//      `cmake --install`, <build>/share/eipnn in a build tree (CMake mirrors the scripts there).
inline std::vector<fs::path> script_dirs() {
    std::vector<fs::path> dirs;
    if (const std::string d = env_value("EIPNN_SCRIPT_DIR"); !d.empty()) dirs.emplace_back(d);
    if (const fs::path exe = executable_dir(); !exe.empty()) dirs.push_back((exe / EIPNN_SCRIPT_RELDIR).lexically_normal());
    return dirs;
}

// The helper script `name` from the first of script_dirs() that holds it; empty when none does.
inline fs::path find_script(const std::string& name) {
    for (const fs::path& d : script_dirs()) {
        std::error_code ec;
        if (fs::is_regular_file(d / name, ec)) return d / name;
    }
    return {};
}

// Runs argv[0] (a full path: no PATH lookup) with the arguments as they are, no shell in between,
// so file names with spaces or quotes need no escaping. The helper's stderr goes to /dev/null:
// its tracebacks (a missing matplotlib) would bury the tool's own output. True when it exits 0.
inline bool run_program(const std::vector<std::string>& argv) {
    if (argv.empty()) return false;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;  // no such program: the caller's note says what is missing
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Runs one of the tool's Python scripts with Debian's python3 (the one with matplotlib, see
// ../shared/docs/DESIGN.md). False when the script, python3 or the script's imports are missing;
// a missing script gets its own note, since the caller's note can only guess at matplotlib.
inline bool run_python_script(const std::string& name, const std::vector<std::string>& args) {
    const fs::path script = find_script(name);
    if (script.empty()) {
        std::string looked;
        for (const fs::path& d : script_dirs()) looked += (looked.empty() ? "" : ", ") + d.string();
        std::fprintf(stderr, "note: %s not found (looked in: %s); set EIPNN_SCRIPT_DIR to its folder\n", name.c_str(),
                     looked.empty() ? "nowhere" : looked.c_str());
        return false;
    }
    std::vector<std::string> argv{"/usr/bin/python3", script.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
}

// The data folder (mlearn-<el>/{training,test}.extxyz) when --data is not given; the first that
// exists of
//   1. $EIPNN_DATA;
//   2. ../shared/data from the current directory: the project's layout, run from a checkout;
//   3. ../shared/data beside the source checkout the executable was built in, found by walking up
//      from the executable to a folder holding tools/eipnn/cli/main.cpp (a build tree inside the
//      checkout), so the build-tree tool works from any directory.
// When none exists: candidate 1 if set, else 2, so the error names the place that was expected.
inline fs::path default_data_dir() {
    const std::string env = env_value("EIPNN_DATA");
    if (!env.empty()) return fs::path(env);
    std::error_code ec;
    const fs::path from_cwd = (fs::current_path(ec) / ".." / "shared" / "data").lexically_normal();
    if (fs::is_directory(from_cwd, ec)) return from_cwd;
    for (fs::path p = executable_dir(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
        if (!fs::is_regular_file(p / "tools" / "eipnn" / "cli" / "main.cpp", ec)) continue;
        const fs::path beside = (p / ".." / "shared" / "data").lexically_normal();
        if (fs::is_directory(beside, ec)) return beside;
        break;
    }
    return from_cwd;
}

}  // namespace eipnn::cli
