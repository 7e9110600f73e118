// Stillinger–Weber (Phys. Rev. B 31, 5262 (1985)), in the form and file format of LAMMPS
// `pair_style sw`:
//   E = sum_i [ 1/2 sum_j phi2(r_ij) + sum_{j<k} phi3(r_ij, r_ik, theta_jik) ]
//   phi2 = A eps (B (sigma/r)^p - (sigma/r)^q) exp(sigma / (r - a sigma))
//   phi3 = lambda eps (cos theta - cos theta0)^2 exp(gamma sigma_ij / (r_ij - a_ij sigma_ij))
//                                                exp(gamma sigma_ik / (r_ik - a_ik sigma_ik))
// Pair quantities come from entry (i, j, j), lambda eps and cos theta0 from entry (i, j, k).
// Per-atom energy: centre-atom convention (half of each pair, every triplet to its apex atom i).
// LAMMPS splits triplets in thirds, so per-atom energies differ from `compute pe/atom` while totals,
// forces and the virial are the same.
#pragma once
#include <array>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/eip/species.hpp"
#include "eipnn/eip/triplet_index.hpp"
#include "eipnn/io/lammps_potential_file.hpp"

namespace eipnn {

// One line of a .sw file, as written.
struct SwEntry {
    std::array<std::string, 3> elements;
    double epsilon, sigma, a, lambda, gamma, costheta0, A, B, p, q, tol;
};

inline std::vector<SwEntry> read_sw_file(io::PotentialFileReader& r) {
    static const std::vector<std::string> fields = {"element1", "element2", "element3", "epsilon", "sigma", "a",
                                                    "lambda",   "gamma",    "costheta0", "A",      "B",     "p",
                                                    "q",        "tol"};
    std::vector<SwEntry> out;
    io::PotentialEntry e;
    while (r.next_entry(fields, e)) {
        SwEntry s{{e.word(0), e.word(1), e.word(2)}, e.number(3), e.number(4), e.number(5), e.number(6),
                  e.number(7), e.number(8), e.number(9), e.number(10), e.number(11), e.number(12), e.number(13)};
        if (s.epsilon < 0 || s.sigma <= 0 || s.a <= 0 || s.lambda < 0 || s.gamma < 0 || s.A < 0 || s.B < 0 ||
            s.p < 0 || s.q < 0 || s.tol < 0)
            throw Error("illegal Stillinger-Weber parameter (epsilon, lambda, gamma, A, B, p, q, tol must be >= 0; "
                        "sigma, a > 0)",
                        str(r.name(), " line ", e.first_line()), "fix the entry");
        out.push_back(s);
    }
    if (out.empty()) throw Error("no Stillinger-Weber entry in the file", r.name(), "is this a .sw file?");
    return out;
}

inline std::vector<SwEntry> read_sw_file(const std::filesystem::path& path) {
    io::PotentialFileReader r(path);
    return read_sw_file(r);
}

// Kernel-side parameters, derived once. Pair (i, j) from entry (i, j, j).
struct SwPair {
    double cut, cutsq, sigma, A_eps_B, A_eps, p, q, sigma_gamma;
    int p_int, q_int;  // exponents when integer (>= 0), else -1: powers by multiplication
};
struct SwTriple {
    double lambda_eps, costheta0;
};

namespace detail {
// x^n for a small integer n by multiplication, else pow: exact for the integer exponents of
// every published SW parameter set and avoids pow in the hot loop.
template <class T>
EIPNN_HD T power(T x, T n, int n_int) {
    if (n_int >= 0 && n_int <= 16) {
        T r = 1;
        for (int k = 0; k < n_int; ++k) r *= x;
        return r;
    }
    return std::pow(x, n);
}
}  // namespace detail

// Per-atom fused SW kernel: E_i and dE_i/dr_ij for every edge of i. Scratch per edge:
// r, unit vector, g = exp(gamma sigma / (r - cut)), dlng = d ln g / dr; g = 0 beyond the cutoff.
template <class T>
struct SwAtomKernel {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const double> distances;       // (n_edges)
    Span<const int> species;            // (n_atoms)
    int n_species;
    Span<const SwPair> pairs;           // (n_species^2)
    Span<const SwTriple> triples;       // (n_species^3)
    MatrixView<T> scratch;              // (n_edges, 6)
    Span<T> atom_energy;                // (n_atoms) out
    MatrixView<T> dE_dr;                // (n_edges, 3) out

    EIPNN_HD void operator()(index_t i) const {
        const int si = species[i];
        const index_t begin = offsets[i], end = offsets[i + 1];
        T energy = 0;
        // pass 1: two-body terms and the per-edge radial factors of the three-body term
        for (index_t e = begin; e < end; ++e) {
            const SwPair& pp = pairs[si * n_species + species[neighbors[e]]];
            T* s = scratch.row(e);
            const T r = T(distances[e]);
            if (!(distances[e] < pp.cut)) {
                s[4] = 0;
                dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = 0;
                continue;
            }
            const T inv_r = T(1) / r;
            const T ux = T(vectors(e, 0)) * inv_r, uy = T(vectors(e, 1)) * inv_r, uz = T(vectors(e, 2)) * inv_r;
            const T inv_rc = T(1) / (r - T(pp.cut));  // negative inside the cutoff
            const T sr = T(pp.sigma) * inv_r;
            const T rp = detail::power<T>(sr, T(pp.p), pp.p_int), rq = detail::power<T>(sr, T(pp.q), pp.q_int);
            const T ex = std::exp(T(pp.sigma) * inv_rc);
            const T phi = (T(pp.A_eps_B) * rp - T(pp.A_eps) * rq) * ex;
            // d phi/dr = [(-p A eps B rp + q A eps rq)/r - (A eps B rp - A eps rq) sigma/(r - cut)^2] ex
            const T dphi = ((-T(pp.p) * T(pp.A_eps_B) * rp + T(pp.q) * T(pp.A_eps) * rq) * inv_r -
                            (T(pp.A_eps_B) * rp - T(pp.A_eps) * rq) * T(pp.sigma) * inv_rc * inv_rc) * ex;
            energy += T(0.5) * phi;
            const T half_dphi = T(0.5) * dphi;
            dE_dr(e, 0) = half_dphi * ux;
            dE_dr(e, 1) = half_dphi * uy;
            dE_dr(e, 2) = half_dphi * uz;
            s[0] = r;
            s[1] = ux;
            s[2] = uy;
            s[3] = uz;
            s[4] = std::exp(T(pp.sigma_gamma) * inv_rc);
            s[5] = -T(pp.sigma_gamma) * inv_rc * inv_rc;
        }
        // pass 2: triplets j < k around i
        for (index_t j = begin; j < end; ++j) {
            const T* sj = scratch.row(j);
            const T gj = sj[4];
            if (gj == T(0)) continue;
            const int base = (si * n_species + species[neighbors[j]]) * n_species;
            const T rj = sj[0], ujx = sj[1], ujy = sj[2], ujz = sj[3], dlngj = sj[5];
            const T inv_rj = T(1) / rj;
            T gx = 0, gy = 0, gz = 0;  // dE/dr_ij accumulated over k
            for (index_t k = j + 1; k < end; ++k) {
                T* sk = scratch.row(k);
                const T gk = sk[4];
                if (gk == T(0)) continue;
                const SwTriple& tp = triples[base + species[neighbors[k]]];
                const T ukx = sk[1], uky = sk[2], ukz = sk[3];
                const T c = ujx * ukx + ujy * uky + ujz * ukz;
                const T d = c - T(tp.costheta0);
                const T pref = T(tp.lambda_eps) * gj * gk;
                const T h = pref * d * d;
                energy += h;
                const T a = T(2) * pref * d;
                // dcos/dr_ij = (u_k - cos u_j) / r_j; d ln g_j / dr_j along u_j
                const T aj = a * inv_rj, ak = a / sk[0];
                const T rad_j = h * dlngj - aj * c, rad_k = h * sk[5] - ak * c;
                gx += aj * ukx + rad_j * ujx;
                gy += aj * uky + rad_j * ujy;
                gz += aj * ukz + rad_j * ujz;
                dE_dr(k, 0) += ak * ujx + rad_k * ukx;
                dE_dr(k, 1) += ak * ujy + rad_k * uky;
                dE_dr(k, 2) += ak * ujz + rad_k * ukz;
            }
            dE_dr(j, 0) += gx;
            dE_dr(j, 1) += gy;
            dE_dr(j, 2) += gz;
        }
        atom_energy[i] = energy;
    }
};

// The pair and triplet tables a kernel reads, wherever they live (host or device memory).
struct SwTables {
    Span<const SwPair> pairs;           // (n_species^2)
    Span<const SwTriple> triples;       // (n_species^3)
};

class StillingerWeber : public AtomKernelPotential<StillingerWeber> {
public:
    StillingerWeber(std::vector<SwEntry> entries, const SpeciesMap& map = {}, std::string source = "sw")
        : entries_(std::move(entries)), source_(std::move(source)) {
        std::vector<std::array<std::string, 3>> el;
        for (const auto& e : entries_) el.push_back(e.elements);
        index_ = TripletIndex::build(el, map, source_);
        const int n = index_.n();
        pairs_.assign(std::size_t(n * n), SwPair{});
        triples_.assign(std::size_t(n * n * n), SwTriple{});
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                const int ij = index_.at(i, j, j);
                if (ij >= 0) {
                    const SwEntry& p = entries_[std::size_t(ij)];
                    auto as_int = [](double x) { return (x >= 0 && x <= 16 && x == std::floor(x)) ? int(x) : -1; };
                    pairs_[std::size_t(i * n + j)] = SwPair{p.a * p.sigma, p.a * p.sigma * p.a * p.sigma, p.sigma,
                                                            p.A * p.epsilon * p.B, p.A * p.epsilon, p.p, p.q,
                                                            p.sigma * p.gamma, as_int(p.p), as_int(p.q)};
                    cutoff_ = std::max(cutoff_, p.a * p.sigma);
                }
                for (int k = 0; k < n; ++k) {
                    const int ijk = index_.at(i, j, k);
                    if (ijk >= 0) {
                        const SwEntry& p = entries_[std::size_t(ijk)];
                        triples_[std::size_t((i * n + j) * n + k)] = SwTriple{p.lambda * p.epsilon, p.costheta0};
                    }
                }
            }
    }

    static StillingerWeber from_file(const std::filesystem::path& path, const SpeciesMap& map = {}) {
        return StillingerWeber(read_sw_file(path), map, path.string());
    }

    std::string style() const override { return "sw"; }
    double cutoff() const override { return cutoff_; }
    const std::string& source() const override { return source_; }
    const std::vector<SwEntry>& entries() const { return entries_; }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh.
    static constexpr int scratch_per_edge = 6;
    template <class T>
    SwTables kernel_tables() const { return {span_of(pairs_), span_of(triples_)}; }
    template <class T>
    SwAtomKernel<T> kernel(const AtomKernelArgs<T>& a, const SwTables& t) const {
        return {a.offsets, a.neighbors, a.vectors, a.distances, a.types, index_.n(), t.pairs, t.triples,
                a.scratch, a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return index_.species; }
    void check_types(const std::vector<int>& types) const override { index_.check_types(types, source_); }

private:
    std::vector<SwEntry> entries_;
    std::string source_;
    TripletIndex index_;
    std::vector<SwPair> pairs_;
    std::vector<SwTriple> triples_;
    double cutoff_ = 0;
};

}  // namespace eipnn
