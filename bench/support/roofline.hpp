// Roofline estimates of the device kernels: FLOPs and bytes of memory traffic per unit (pair, edge,
// triplet, atom, parameter), counted from the code of each functor and GEMM on the device path
// (nn/cfconv_layerwise.hpp, nn/interaction.hpp, soap/soap_functors.hpp, the per-atom kernels of
// eip/*.hpp, optim/adam.hpp), so that a first run on a GPU can be read against them (bench_device
// prints both).
//
// Conventions: a multiply-add is 2 FLOPs; exp, log, log1p, sqrt, sin, cos and a division count as
// kTranscendental FLOPs (about what their device implementations execute), pow as two (log, exp);
// compares, selects and index arithmetic are not counted; bytes are what a kernel must read and
// write once (an L2-resident operand such as a weight matrix, a parameter table or a neighbour's
// row read again is not counted again): the lower bound of its traffic. T is the scalar's size in
// bytes.
#pragma once
#include <algorithm>
#include <cstdio>
#include <stdexcept>
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

// What an EIP's per-atom kernel (run by run_atom_kernel, eip/potential.hpp) works on: atoms, edges
// within the style's cutoff, and triplets, the unordered pairs {j, k} of one atom's edges
// (sum_i n_i (n_i - 1) / 2), whichever order the kernel visits them in.
struct EipCounts {
    double atoms = 0, edges = 0, triplets = 0;
};

// One style's kernel: FLOPs and bytes per edge, per triplet and per atom. Bytes per edge are the
// list's entries the kernel reads (24 B of double vector, 8 B distance, 4 B neighbour index and 4 B
// type where read) and its gradient row written (3T); per atom the offsets (4 B), type (4 B, where
// read) and energy (T). Triplets read nothing new: the per-edge scratch (SW 6T, Tersoff 9T a row,
// written and read back by one thread), local arrays and second reads of the atom's own edges stay
// in L1/L2 and are not counted. Per-edge counts include the kernel's per-edge work outside the
// triplet loops. Smooth cutoffs and branches are counted as evaluated: a warp pays for a branch
// when any of its 32 atoms takes it.
struct EipKernelModel {
    const char* kernel;
    double edge_flops, edge_bytes, triplet_flops, atom_flops, atom_bytes;
};

inline EipKernelModel eip_kernel_model(const std::string& style, double T) {
    const double X = kTranscendental;
    // SwAtomKernel (sw.hpp). Edge: 1/r, 1/(r - a sigma), the two exps, (sigma/r)^p as 4 multiplies
    // (Si.sw: p = 4, q = 0), phi and dphi/dr, the triplet loop's 1/r_j and its += into the row.
    // Triplet (j < k, visited once): cosine, h, 1/r_k, both rows' radial and angular parts.
    if (style == "sw") return {"SwAtomKernel", 39 + 5 * X, 40 + 3 * T, 44 + X, 0, 8 + T};
    // TersoffAtomKernel<TersoffForm> (tersoff.hpp), Si.tersoff (m = 3, lambda3 != 0, one species so
    // fc comes from pass 1). Edge: 1/r and fc (sin, cos, two divisions by D); per bond 1/r_j, the
    // exps of fR and fA, b(zeta) on its general branch (two pows, three divisions). Each triplet
    // is visited twice, as (j, k) and (k, j): cosine, g (two divisions), exp((lambda3 dr)^3),
    // 1/r_k, the gradients towards r_ij and r_ik, then the scatter pz dzeta/dr_ik (70 + 4X each).
    if (style == "tersoff") return {"TersoffAtomKernel<TersoffForm>", 55 + 15 * X, 40 + 3 * T, 140 + 8 * X, 0, 8 + T};
    // The same kernel with TersoffModForm (tersoff_mod.hpp), Si.tersoff.mod (m = 1): fc with two
    // sines, two cosines and two divisions; b with two pows and four divisions; g with an exp and a
    // division, exp(lambda3 dr) without the cube (71 + 4X per visit).
    if (style == "tersoff/mod")
        return {"TersoffAtomKernel<TersoffModForm>", 62 + 18 * X, 40 + 3 * T, 142 + 8 * X, 0, 8 + T};
    // EdipKernel (edip.hpp), cached path, the device's batch form of step 2. Edge: r from the
    // list, 1/r, f and df/dr (an exp, four divisions), 1/(r - a), (B/r)^rho as exp(log), the exps
    // of the V2 cutoff and of g, then V2, the coordination term and the row in step 3. Triplet
    // (j < k, once): cosine, exp(-Q w^2), h and its derivatives, the two radial gradient sums and
    // six components across. Atom: the four-wide exp (three used), Q, tau.
    if (style == "edip") return {"EdipKernel", 53 + 11 * X, 32 + 3 * T, 61 + X, 25 + 4 * X, 4 + T};
    // MeamSplineKernel (meam_spline.hpp): a spline is 26 FLOPs for value and slope (16 or 14 for
    // one of them); edge(e) recomputes r and the unit vector (sqrt, three divisions) at every
    // visit. Edge: pass 1 rho, phi, f; pass 2 their slopes; two edge() calls; the row. Triplet:
    // pass 1 once (edge(k), f, g) and pass 2 twice (edge(k), f, g and slope, a division by r_j);
    // 12X of its 14X are the recomputed unit vectors. Atom: U and U'.
    if (style == "meam/spline") return {"MeamSplineKernel", 125 + 8 * X, 32 + 3 * T, 179 + 14 * X, 28, 8 + T};
    // EamKernel (eam.hpp), funcfl and setfl alike. Edge, two passes: r^2, sqrt and the table
    // position each, rho(r); then rho'(r), r phi and its slope (6 or 4 FLOPs a lookup), 1/r, the
    // row. The lookups read three 7T rows per edge from tables of a few 10 KB that stay in L1/L2:
    // not counted as DRAM bytes. Atom: F and F'.
    if (style == "eam" || style == "eam/alloy") return {"EamKernel", 50 + 3 * X, 32 + 3 * T, 0, 14, 8 + T};
    // ZjwEamKernel (eam_zjw.hpp). A term P exp(-p (x - 1)) / (1 + (x - q)^20) costs 11 FLOPs, an
    // exp and a division for its value, 6 FLOPs and two divisions more for its slope. Edge: pass 1
    // sqrt, x = r / r_e, the density's value; pass 2 sqrt, the density and both pair terms with
    // slopes (x once per element record: the density's and the pair's records are not known to
    // be the same), the division by r, the row. Atom: F's polynomial branch.
    if (style == "eam/zjw") return {"ZjwEamKernel", 83 + 20 * X, 32 + 3 * T, 0, 15 + 2 * X, 8 + T};
    // MorseKernel (morse.hpp): r^2, sqrt, one exp, phi and dphi/dr, the division by r, the row.
    if (style == "morse") return {"MorseKernel", 23 + 3 * X, 24 + 3 * T, 0, 0, 4 + T};
    throw std::invalid_argument("roofline: no cost model for EIP style '" + style + "'");
}

// A style's kernel on the given counts, then the gather every style shares (EdgeGatherBlock: per
// edge the force difference with the reverse edge and the virial's 9 FMAs).
inline std::vector<KernelCost> eip_costs(const std::string& style, const EipCounts& n, double T) {
    const EipKernelModel m = eip_kernel_model(style, T);
    const std::string k = m.kernel;
    std::vector<KernelCost> c;
    c.push_back({k + " (edge terms)", "edge", n.edges, m.edge_flops, m.edge_bytes});
    if (m.triplet_flops > 0) c.push_back({k + " (three-body terms)", "triplet", n.triplets, m.triplet_flops, 0});
    c.push_back({k + " (atom terms)", "atom", n.atoms, m.atom_flops, m.atom_bytes});
    c.push_back({"EdgeGatherBlock (forces, virial)", "edge", n.edges, 6 + 18, 24 + 2 * 3 * T + 16});
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
