// Roofline estimates of the device kernels: FLOPs and bytes of memory traffic per unit (pair, edge,
// atom, parameter), counted from the code of each functor and GEMM on the device path
// (nn/cfconv_layerwise.hpp, nn/interaction.hpp, soap/soap_functors.hpp, eip/sw.hpp,
// optim/adam.hpp), so that a first run on a GPU can be read against them (bench_device prints both).
//
// Conventions: a multiply-add is 2 FLOPs; exp, log1p and a division count as kTranscendental FLOPs
// (about what their device implementations execute); bytes are what a kernel must read and write
// once (an L2-resident operand such as a weight matrix or a neighbour's row read again is not
// counted again): the lower bound of its traffic. T is the scalar's size in bytes.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

namespace eipnn::bench {

inline constexpr double kTranscendental = 20;

struct KernelCost {
    std::string name;
    std::string unit;  // what one unit is: pair, edge, atom, parameter
    double units;      // how many per call
    double flops;      // per unit
    double bytes;      // per unit
    double total_flops() const { return units * flops; }
    double total_bytes() const { return units * bytes; }
};

// Sizes of a SchNet training step's batch.
struct SchNetShape {
    double atoms, pairs, edges, graphs;
    double F, K, window, blocks, head_hidden, params;
    double T;  // bytes per scalar
};

// One training step (forward, backward to parameters and dL/dr, Adam) on the layer-wise path.
inline std::vector<KernelCost> schnet_step_costs(const SchNetShape& s) {
    const double F = s.F, K = s.K, w = s.window, T = s.T, nb = s.blocks, H = s.head_hidden;
    std::vector<KernelCost> c;
    // per block, forward: (in, out1, out2) atom GEMMs, filter network, conv
    c.push_back({"atom GEMMs fwd (in, out1, out2)", "atom", s.atoms * nb, 3 * 2 * F * F + 2 * F, 3 * 2 * F * T});
    c.push_back({"FilterFirstLayer (window x W1)", "pair", s.pairs * nb, 2 * w * F + F, (2 * w + F) * T + 16});
    c.push_back({"ssp(a1) fwd", "pair", s.pairs * nb, F * kTranscendental, 2 * F * T});
    c.push_back({"filter GEMM fwd (h1 W2 + b2)", "pair", s.pairs * nb, 2 * F * F + F, 2 * F * T});
    c.push_back({"ConvGather fwd", "edge", s.edges * nb, 3 * F, 2 * F * T + 24});
    c.push_back({"ssp(a) fwd (atom)", "atom", s.atoms * nb, F * kTranscendental, 2 * F * T});
    // per block, backward
    c.push_back({"atom GEMMs bwd (dW, dX of in, out1, out2)", "atom", s.atoms * nb, 3 * 4 * F * F + 2 * F,
                 3 * 3 * F * T});
    c.push_back({"ConvGather bwd (dL/dxin)", "edge", s.edges * nb, 3 * F, 2 * F * T + 24});
    c.push_back({"FilterOutputGrad", "pair", s.pairs * nb, 8 * F, 6 * F * T + 40});
    c.push_back({"filter GEMM bwd (dW2, dL/dh1, db2)", "pair", s.pairs * nb, 4 * F * F + F, 3 * F * T});
    c.push_back({"ssp'(a1) bwd", "pair", s.pairs * nb, F * kTranscendental, 3 * F * T});
    c.push_back({"FilterFirstLayerBwd (dL/dr)", "pair", s.pairs * nb, 2 * w * F, (w + F) * T + 24});
    c.push_back({"dense basis + dW1 GEMM", "pair", s.pairs * nb, 2 * K * F, (2 * K + w) * T + 16});
    // heads (one energy head), embedding, geometry, optimizer
    c.push_back({"energy head fwd + bwd", "atom", s.atoms, 6 * F * H + H * kTranscendental * 2, (2 * F + 4 * H) * T});
    c.push_back({"pair geometry + Gaussian windows", "pair", s.pairs, 4 * w + 2 * w * kTranscendental,
                 8 + 2 * (w + 1) * T + 16});
    c.push_back({"Adam update", "parameter", s.params, 14 + kTranscendental, 7 * T});
    return c;
}

// The SOAP descriptor's forward and backward per edge (the neighbour's contribution) and per atom
// (the power spectrum); n_max N, l_max L, features D, coefficients C.
inline std::vector<KernelCost> soap_costs(double atoms, double edges, double N, double L, double D, double C, double T) {
    const double lm = (L + 1) * (L + 1), nl = N * (L + 1);
    std::vector<KernelCost> c;
    // radial: per (n, l) a sum over n' of beta A exp(-B r^2) and the cutoff; harmonics ~10 FLOPs per lm
    const double radial = 2 * N * nl + nl * kTranscendental, harmonics = 10 * lm;
    c.push_back({"SoapAtomFwd (edges)", "edge", edges, radial + harmonics + 2 * N * lm, 44});
    c.push_back({"SoapAtomFwd (power spectrum)", "atom", atoms, 2 * D * (2 * L + 1) / 2 + 2 * D, (C + D) * T});
    c.push_back({"SoapAtomBwd (edges)", "edge", edges, 2 * radial + 3 * harmonics + 4 * N * lm + 6 * lm, 44 + 3 * T});
    c.push_back({"SoapAtomBwd (power spectrum)", "atom", atoms, 4 * D * (2 * L + 1) / 2, (2 * C + 2 * D) * T});
    return c;
}

// Stillinger-Weber per atom kernel and gather: pair terms per edge, three-body terms per pair of
// i's edges (triplets), the gather per edge.
inline std::vector<KernelCost> sw_costs(double edges, double triplets, double T) {
    std::vector<KernelCost> c;
    c.push_back({"SwAtomKernel (pair terms)", "edge", edges, 30 + 3 * kTranscendental, 32 + 3 * T});
    c.push_back({"SwAtomKernel (three-body terms)", "triplet", triplets, 60, 0});
    c.push_back({"EdgeGatherBlock (forces, virial)", "edge", edges, 6 + 18, 24 + 2 * 3 * T + 16});
    return c;
}

// Prints each kernel's estimate and the bound time at the given peaks (FLOP/s, bytes/s).
inline void print_roofline(const char* step, const std::vector<KernelCost>& costs, double peak_flops,
                           double peak_bytes, const char* peak_name) {
    double total_time = 0, total_flops = 0, total_bytes = 0;
    for (const KernelCost& k : costs) {
        const double t = std::max(k.total_flops() / peak_flops, k.total_bytes() / peak_bytes);
        total_time += t;
        total_flops += k.total_flops();
        total_bytes += k.total_bytes();
        std::printf("roofline step=%s kernel=\"%s\" units=%.0f unit=%s flops_per_unit=%.0f bytes_per_unit=%.0f "
                    "intensity=%.2f bound=%s bound_ms_%s=%.4f\n",
                    step, k.name.c_str(), k.units, k.unit.c_str(), k.flops, k.bytes,
                    k.bytes > 0 ? k.flops / k.bytes : 0.0,
                    k.total_flops() / peak_flops > k.total_bytes() / peak_bytes ? "compute" : "memory", peak_name,
                    1e3 * t);
    }
    std::printf("roofline step=%s total_gflop=%.3f total_mb=%.1f bound_ms_%s=%.3f\n", step, total_flops * 1e-9,
                total_bytes * 1e-6, peak_name, 1e3 * total_time);
}

}  // namespace eipnn::bench
