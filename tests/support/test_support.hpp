// Helpers every test shares: tolerances from the scalar type, the real data, skipping, and
// running the Python oracles (Debian's /usr/bin/python3 with torch and ase).
#pragma once
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

namespace eipnn::test {

// Ends this test case as "skipped" (ctest SKIP_RETURN_CODE 77). Each TEST_CASE runs in its own
// process under ctest, so only this case is skipped.
[[noreturn]] inline void skip(const std::string& why) {
    std::cout << "SKIPPED: " << why << std::endl;
    std::_Exit(77);
}

inline std::filesystem::path shared_dir() { return EIPNN_SHARED_DIR; }
inline std::filesystem::path test_dir() { return EIPNN_TEST_DIR; }
inline std::filesystem::path binary_dir() { return EIPNN_BINARY_DIR; }

// ../shared/data/<name>, or skip the test with a clear message when the data is absent.
inline std::filesystem::path data_file_or_skip(const std::string& relative) {
    const auto p = shared_dir() / "data" / relative;
    if (!std::filesystem::exists(p))
        skip("real data not found at " + p.string() + " (run scripts/fetch_data.sh, see README)");
    return p;
}

inline std::string python() { return EIPNN_PYTHON; }

// Runs a shell command; skips when the tool it needs is absent (exit code 127), fails otherwise.
inline int run(const std::string& command) { return std::system(command.c_str()); }

inline void require_python_module_or_skip(const std::string& module) {
    const std::string cmd = python() + " -c 'import " + module + "' >/dev/null 2>&1";
    if (run(cmd) != 0) skip("Python module '" + module + "' is not available to " + python());
}

inline void require_program_or_skip(const std::string& program) {
    if (run("command -v " + program + " >/dev/null 2>&1") != 0) skip("program '" + program + "' not found");
}

// A fresh scratch directory under the build tree for one test case.
inline std::filesystem::path scratch_dir(const std::string& name) {
    const auto p = binary_dir() / "test-scratch" / name;
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
}

// |a - b| <= abs_tol + rel * |b|, with rel a small multiple of the scalar's epsilon.
template <class T>
constexpr T eps() { return std::numeric_limits<T>::epsilon(); }

inline bool close(double a, double b, double abs_tol, double rel_tol) {
    return std::abs(a - b) <= abs_tol + rel_tol * std::abs(b);
}

// The message of the exception (a std::exception, so eipnn::Error too) that f throws, or
// "nothing was thrown": a test matches the message's parts, and the latter matches none of them.
template <class F>
std::string thrown_message(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "nothing was thrown";
}

}  // namespace eipnn::test
