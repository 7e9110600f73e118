// What the libFuzzer targets in tests/fuzz/ share (run by tests/fuzz/run_fuzzer.sh).
//
// The contract every target checks: any input may be rejected with eipnn::Error (or, for the
// command line, CLI::ParseError). Crashes, sanitizer reports, leaks, hangs and exceptions of any
// other type are bugs: an exception that leaves LLVMFuzzerTestOneInput ends in std::terminate,
// which libFuzzer reports as a crash with the input that caused it.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/eip/potential.hpp"
#include "eipnn/geometry/neighbor_list.hpp"
#include "eipnn/geometry/structure.hpp"

namespace eipnn::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `f`; an eipnn::Error is an accepted way to reject the input.
template <class F>
void rejecting_is_fine(F&& f) {
    try {
        f();
    } catch (const Error&) {
    }
}

[[noreturn]] inline void fail(const char* target, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", target, what.c_str());
    std::abort();
}

// Several files in one input (e.g. one funcfl file per element): parts separated by a line that
// is exactly "%%". At most `max_parts`; the rest stays in the last part.
inline std::vector<std::string> split_files(const std::string& text, std::size_t max_parts) {
    std::vector<std::string> parts(1);
    std::size_t begin = 0;
    while (begin <= text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(begin, end - begin);
        if (line == "%%" && parts.size() < max_parts) parts.emplace_back();
        else parts.back() += line + (end < text.size() ? "\n" : "");
        begin = end + 1;
    }
    return parts;
}

// A potential that parsed is evaluated once, so that the fuzzer also reaches what is built from
// the parameters (splines, tables, derived constants) and the kernels that read them. The structure
// is a free cluster of six atoms, one pair of them close (0.6 Å) and the others at bonding
// distances, with elements cycling through those the potential covers; non-periodic, so the
// neighbour list stays six atoms whatever cutoff the file announces.
inline void evaluate_once(const Potential& pot) {
    const std::vector<int> numbers = pot.supported_numbers();
    if (numbers.empty()) return;
    Structure s;
    s.positions = {0.0, 0.0, 0.0,   1.30, 1.35, 1.25,  2.60, 0.05, 0.10,
                   0.05, 2.55, -0.15, 1.25, 1.40, 1.85, -1.40, -1.30, 1.20};
    for (std::size_t i = 0; i < s.positions.size() / 3; ++i) s.numbers.push_back(numbers[i % numbers.size()]);
    const Host serial{1};
    const NeighborList nl = build_neighbor_list(s, pot.cutoff(), {}, serial);
    EipResult<double> d;
    pot.compute(s, nl, serial, d);
    EipResult<float> f;
    pot.compute(s, nl, serial, f);
}

}  // namespace eipnn::fuzz
