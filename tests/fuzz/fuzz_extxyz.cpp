// libFuzzer target for the extxyz reader (run by tests/fuzz/run_fuzzer.sh). Any input may be
// rejected with eipnn::Error; crashes, sanitizer reports, leaks, hangs and other exceptions are
// bugs. Inputs that do read must survive a write and a re-read unchanged (the writer may refuse a
// value it cannot represent, e.g. a string holding a carriage return, with eipnn::Error).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "eipnn/io/extxyz.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_extxyz: round trip broke: %s\n", what);
    std::abort();
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

bool same(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (!same(a[k], b[k])) return false;
    return true;
}

void check_same(const eipnn::Frame& a, const eipnn::Frame& b) {
    using eipnn::ExtxyzType;
    if (a.structure.numbers != b.structure.numbers) fail("numbers");
    if (!same(a.structure.positions, b.structure.positions)) fail("positions");
    if (a.structure.cell.has_lattice != b.structure.cell.has_lattice) fail("has_lattice");
    if (a.structure.cell.pbc != b.structure.cell.pbc) fail("pbc");
    for (int d = 0; d < 3; ++d)
        for (int k = 0; k < 3; ++k)
            if (!same(a.structure.cell.lattice[d][k], b.structure.cell.lattice[d][k])) fail("lattice");
    if (a.info.size() != b.info.size()) fail("info size");
    for (std::size_t k = 0; k < a.info.size(); ++k) {
        const auto &x = a.info[k], &y = b.info[k];
        if (x.first != y.first) fail("info key");
        if (x.second.type != y.second.type) fail("info type");
        if (x.second.text != y.second.text || x.second.ints != y.second.ints || x.second.bools != y.second.bools ||
            !same(x.second.reals, y.second.reals))
            fail("info value");
    }
    if (a.columns.size() != b.columns.size()) fail("column count");
    for (std::size_t k = 0; k < a.columns.size(); ++k) {
        const auto &x = a.columns[k], &y = b.columns[k];
        if (x.name != y.name || x.type != y.type || x.n_cols != y.n_cols) fail("column spec");
        if (x.ints != y.ints || x.bools != y.bools || x.strings != y.strings || !same(x.reals, y.reals))
            fail("column values");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<eipnn::Frame> frames;
    try {
        frames = eipnn::read_extxyz_string(text, "fuzz-input");
    } catch (const eipnn::Error&) {
        return 0;  // rejected with a message: fine
    }
    std::string written;
    try {
        written = eipnn::write_extxyz_string(frames);
    } catch (const eipnn::Error&) {
        return 0;
    }
    std::vector<eipnn::Frame> again;
    try {
        again = eipnn::read_extxyz_string(written, "fuzz-rewritten");
    } catch (const eipnn::Error& e) {
        std::fprintf(stderr, "%s\n--- written ---\n%s\n", e.what(), written.c_str());
        fail("our own output does not read back");
    }
    if (again.size() != frames.size()) fail("frame count");
    for (std::size_t k = 0; k < frames.size(); ++k) check_same(frames[k], again[k]);
    if (eipnn::write_extxyz_string(again) != written) fail("second write differs");
    return 0;
}
