// What the command-line tests share: the built `eipnn` tool, running it, reading what it wrote.
#pragma once
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
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

}  // namespace eipnn::test::cli
