// Where the driver's time goes (bench/compare md): with EIPNN_KIM_TIMING set to anything but 0,
// compute() times its phases and counts what it evaluated, and destroy() prints one line per
// process to stderr,
//   eipnn_kim_timing computes=N contributing=.. ghosts=.. edges_contributing=.. edges_ghost=..
//                    neighbors_ms=.. graph_ms=.. model_ms=.. output_ms=..
// (particle and edge counts and times per compute). neighbors: KIM's lists read into candidate
// pairs; graph: make_explicit_graph (filter, reverse, sort, CSR); model: forward and backward of
// every atom, ghosts included; output: forces, energies and virials copied back. Ghosts cost the
// model in proportion to their share of atoms (SOAPNet) and edges (both); the counts give it.
// Off, it costs a branch per phase.
#pragma once
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace eipnn::kim {

class PhaseTimer {
public:
    enum Phase { kNeighbors, kGraph, kModel, kOutput, kPhases };

    PhaseTimer() {
        const char* v = std::getenv("EIPNN_KIM_TIMING");
        on_ = v && *v && std::string(v) != "0";
    }
    bool on() const { return on_; }
    // marks the start of a compute; each stop(phase) charges the time since the previous mark
    void start() {
        if (on_) last_ = Clock::now();
    }
    void stop(Phase p) {
        if (!on_) return;
        const Clock::time_point now = Clock::now();
        seconds_[p] += std::chrono::duration<double>(now - last_).count();
        last_ = now;
    }
    void count(long contributing, long ghosts, long edges_contributing, long edges_ghost) {
        if (!on_) return;
        ++computes_;
        counts_[0] += double(contributing);
        counts_[1] += double(ghosts);
        counts_[2] += double(edges_contributing);
        counts_[3] += double(edges_ghost);
    }
    void print() const {
        if (!on_ || computes_ == 0) return;
        const double n = double(computes_);
        std::fprintf(stderr,
                     "eipnn_kim_timing computes=%ld contributing=%.0f ghosts=%.0f edges_contributing=%.0f "
                     "edges_ghost=%.0f neighbors_ms=%.4g graph_ms=%.4g model_ms=%.4g output_ms=%.4g\n",
                     computes_, counts_[0] / n, counts_[1] / n, counts_[2] / n, counts_[3] / n,
                     1e3 * seconds_[kNeighbors] / n, 1e3 * seconds_[kGraph] / n, 1e3 * seconds_[kModel] / n,
                     1e3 * seconds_[kOutput] / n);
    }

private:
    using Clock = std::chrono::steady_clock;
    bool on_ = false;
    Clock::time_point last_{};
    std::array<double, kPhases> seconds_{};
    std::array<double, 4> counts_{};
    long computes_ = 0;
};

}  // namespace eipnn::kim
