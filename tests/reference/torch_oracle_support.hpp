// What the PyTorch oracle tests (test_models_torch.cpp, test_models_torch_forces.cpp) share: the
// text records they hand to the Python scripts (one `<key> <values...>` line each, read there by
// torch_models.Records), the reader of the scripts' answers, running a script, and the one
// agreement criterion.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/geometry/graph_batch.hpp"
#include "support/test_support.hpp"

namespace eipnn::test::torch_oracle {

// `key v0 v1 ...`; the stream's precision decides the digits (17 for doubles that must survive).
template <class V>
void write_line(std::ofstream& f, const char* key, const V& values) {
    f << key;
    for (const auto& v : values) f << ' ' << v;
    f << '\n';
}

// The geometry an oracle rebuilds the edge vectors from (vec_e = r_j + shift_e . L - r_i, with
// L's rows the lattice vectors), so that it can differentiate with respect to positions and cell.
inline void write_edges(std::ofstream& f, const GraphBatch& batch) {
    write_line(f, "positions", batch.positions);
    std::vector<double> lat;
    for (const Mat3& L : batch.lattices)
        for (const Vec3& row : L) lat.insert(lat.end(), row.begin(), row.end());
    write_line(f, "lattices", lat);
    write_line(f, "centers", batch.centers);
    write_line(f, "neighbors", batch.neighbors);
    write_line(f, "shifts", batch.shifts);
}

// The oracle's answer file: "grad <name> ..." -> <name>, "cegrad_<mode> <name> ..." ->
// "cegrad_<mode>:<name>", any other line -> its key.
inline std::map<std::string, std::vector<double>> read_output(const std::string& path) {
    std::map<std::string, std::vector<double>> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string key, name;
        ls >> key;
        if (key == "grad" || key.rfind("cegrad_", 0) == 0) {
            ls >> name;
            key = key == "grad" ? name : key + ":" + name;
        }
        double v;
        std::vector<double>& dst = out[key];
        while (ls >> v) dst.push_back(v);
    }
    return out;
}

// Runs `<python> <tests>/<script> <dir>/weights.txt <dir>/batch.txt <dir>/torch.txt` and reads
// the answer; a failing script fails the test (its traceback is on stderr).
inline std::map<std::string, std::vector<double>> run_script(const std::string& script, const std::filesystem::path& dir) {
    const std::string cmd = python() + " " + (test_dir() / script).string() + " " + (dir / "weights.txt").string() + " " +
                            (dir / "batch.txt").string() + " " + (dir / "torch.txt").string();
    REQUIRE(run(cmd) == 0);
    return read_output((dir / "torch.txt").string());
}

// Agreement to 1e-10 relative to the largest |torch| of the quantity: single entries can be
// cancellation-small, so a per-entry relative error would demand more than float64 gives. Returns
// max |ours - torch| / largest |torch| (0 when both are all zero) so callers can report it.
inline double compare(const std::string& what, const std::vector<double>& ours, const std::vector<double>& torch) {
    REQUIRE(ours.size() == torch.size());
    REQUIRE(!ours.empty());
    double scale = 0, worst = 0;
    for (double t : torch) scale = std::max(scale, std::abs(t));
    for (std::size_t k = 0; k < ours.size(); ++k) worst = std::max(worst, std::abs(ours[k] - torch[k]));
    INFO(what << ": max |eipnn - torch| = " << worst << ", largest |torch| = " << scale);
    CHECK(worst <= 1e-10 * scale);
    return scale > 0 ? worst / scale : worst;
}

}  // namespace eipnn::test::torch_oracle
