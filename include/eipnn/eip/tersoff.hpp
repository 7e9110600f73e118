// Tersoff bond-order potentials (Phys. Rev. B 37, 6991 (1988) and relatives) in the form and file
// format of LAMMPS `pair_style tersoff` (defaults, no `shift`):
//   E = 1/2 sum_i sum_{j != i} fc(r_ij) [fR(r_ij) + b_ij fA(r_ij)],  fR = A e^{-lam1 r}, fA = -B e^{-lam2 r}
//   b_ij = (1 + (beta zeta_ij)^n)^{-1/(2n)}   (with LAMMPS' asymptotic branches)
//   zeta_ij = sum_{k != i,j} fc(r_ik) g(theta_ijk) exp(arg),  arg = (lam3 (r_ij - r_ik))^m, m in {1, 3}
//   g = gamma (1 + c^2/d^2 - c^2 / (d^2 + (h - cos theta)^2)),  fc = 1/2 (1 - sin(pi/2 (r - R)/D))
// Pair terms (A, lam1, B, lam2, beta, n, R, D) come from entry (i, j, j), zeta terms from (i, j, k).
// The functional pieces that differ between family members (fc, g, b) live in a Form struct, so
// tersoff_mod.hpp (Kumagai et al. 2007) reuses the kernel and the class.
// Per-atom energy: centre-atom convention, E_i = 1/2 sum_j V_ij (LAMMPS splits each V_ij
// half-half between i and j; totals, forces and virial are the same).
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

// One entry of a Tersoff-family file, with the derived constants the kernel reads.
struct TersoffParam {
    int m = 3;                                    // exponent of the exp() argument, 1 or 3
    double lam3 = 0, h = 0;                       // arg = (lam3 dr)^m; h = cos theta0
    double gamma = 1, c2 = 0, d2 = 0;             // tersoff g(theta): c^2, d^2
    double mc1 = 0, mc2 = 0, mc3 = 0, mc4 = 0, mc5 = 0;  // tersoff/mod g(theta)
    double n = 1, beta = 0, n_del = 1;            // b(zeta): tersoff uses n; mod uses eta = n, delta = 1/(2 n_del)
    double b1 = 0, b2 = 0, b3 = 0, b4 = 0;        // asymptotic thresholds of b(zeta)
    double lam2 = 0, B = 0, R = 0, D = 0, lam1 = 0, A = 0;
    double cut = 0;                               // R + D
};

struct TersoffEntry {
    std::array<std::string, 3> elements;
    TersoffParam p;
};

namespace detail {
inline constexpr double kHalfPi = 1.57079632679489661923;
// LAMMPS clamps exp(arg) at |arg| > 69.0776 (e^69 ~ 1e30); kept so extreme geometries agree too.
inline constexpr double kExpArgMax = 69.0776;
}  // namespace detail

// Value-and-derivative pieces of the original Tersoff form.
struct TersoffForm {
    static constexpr const char* style = "tersoff";

    template <class T>
    EIPNN_HD static T fc(T r, const TersoffParam& p, T& dfc) {
        if (r < T(p.R - p.D)) {
            dfc = 0;
            return 1;
        }
        if (r > T(p.R + p.D)) {
            dfc = 0;
            return 0;
        }
        const T x = T(detail::kHalfPi) * (r - T(p.R)) / T(p.D);
        dfc = -T(0.5 * detail::kHalfPi / p.D) * std::cos(x);
        return T(0.5) * (T(1) - std::sin(x));
    }

    template <class T>
    EIPNN_HD static T g(T cos_theta, const TersoffParam& p, T& dg) {
        const T hc = T(p.h) - cos_theta;
        const T den = T(1) / (T(p.d2) + hc * hc);
        dg = -T(2) * T(p.gamma) * T(p.c2) * hc * den * den;
        // 1 + c^2/d^2 - c^2/(d^2 + hc^2) written as 1 + c^2 hc^2 / (d^2 (d^2 + hc^2)): the same
        // value without the cancellation that costs ~7 digits when c/d is large (Erhart–Albe
        // Si–C: c^2/d^2 = 2.3e6), which made the energy too noisy for finite differences.
        return T(p.gamma) * (T(1) + T(p.c2) * hc * hc * den / T(p.d2));
    }

    // b(zeta) and db/dzeta, with LAMMPS' branches for very large or small beta zeta (where the
    // full expression loses all digits to round-off).
    template <class T>
    EIPNN_HD static T b(T zeta, const TersoffParam& p, T& db) {
        const T x = T(p.beta) * zeta;
        const T n = T(p.n);
        if (x > T(p.b1)) {
            db = T(p.beta) * T(-0.5) * std::pow(x, T(-1.5));
            return T(1) / std::sqrt(x);
        }
        if (x > T(p.b2)) {
            const T xn = std::pow(x, -n);
            db = T(p.beta) * (T(-0.5) * std::pow(x, T(-1.5)) * (T(1) - (T(1) + T(1) / (T(2) * n)) * xn));
            return (T(1) - xn / (T(2) * n)) / std::sqrt(x);
        }
        if (x < T(p.b4)) {
            db = 0;
            return 1;
        }
        if (x < T(p.b3)) {
            db = T(-0.5) * T(p.beta) * std::pow(x, n - T(1));
            return T(1) - std::pow(x, n) / (T(2) * n);
        }
        const T xn = std::pow(x, n);
        const T base = T(1) + xn;
        const T bv = std::pow(base, T(-1) / (T(2) * n));
        db = T(-0.5) * bv / base * xn / zeta;
        return bv;
    }

    static void derive(TersoffParam& p) {
        p.cut = p.R + p.D;
        p.b1 = std::pow(2.0 * p.n * 1e-16, -1.0 / p.n);
        p.b2 = std::pow(2.0 * p.n * 1e-8, -1.0 / p.n);
        p.b3 = 1.0 / p.b2;
        p.b4 = 1.0 / p.b1;
    }

    static std::vector<TersoffEntry> read(io::PotentialFileReader& r) {
        static const std::vector<std::string> fields = {"element1", "element2", "element3", "m", "gamma", "lambda3",
                                                        "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R",
                                                        "D", "lambda1", "A"};
        std::vector<TersoffEntry> out;
        io::PotentialEntry e;
        while (r.next_entry(fields, e)) {
            TersoffEntry t{{e.word(0), e.word(1), e.word(2)}, {}};
            TersoffParam& p = t.p;
            const double m = e.number(3);
            p.gamma = e.number(4);
            p.lam3 = e.number(5);
            const double c = e.number(6), d = e.number(7);
            p.h = e.number(8);
            p.n = e.number(9);
            p.beta = e.number(10);
            p.lam2 = e.number(11);
            p.B = e.number(12);
            p.R = e.number(13);
            p.D = e.number(14);
            p.lam1 = e.number(15);
            p.A = e.number(16);
            p.c2 = c * c;
            p.d2 = d * d;
            // n = 0 is legal for entries used only as three-body (i, j, k) terms, as in LAMMPS
            if (!(m == 1.0 || m == 3.0) || c < 0 || d <= 0 || p.n < 0 || p.beta < 0 || p.lam2 < 0 || p.B < 0 ||
                p.R < 0 || p.D <= 0 || p.D > p.R || p.lam1 < 0 || p.A < 0 || p.gamma < 0)
                throw Error("illegal Tersoff parameter (m must be 1 or 3; d, D > 0; D <= R; the others >= 0)",
                            str(r.name(), " line ", e.first_line()), "fix the entry");
            p.m = int(m);
            derive(p);
            out.push_back(t);
        }
        if (out.empty()) throw Error("no Tersoff entry in the file", r.name(), "is this a .tersoff file?");
        return out;
    }
};

// Per-atom fused kernel of the Tersoff family. Scratch per edge (9): r, unit vector, fc(r_ik) and
// its derivative with the (i, k, k) entry, and dzeta_ij/dr_ik for the bond j being processed.
template <class T, class Form>
struct TersoffAtomKernel {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const double> distances;       // (n_edges)
    Span<const int> species;            // (n_atoms)
    int n_species;
    Span<const TersoffParam> params;    // (n_species^3), entry (i, j, k)
    bool fc_from_edge;                  // every (i, j, k) has the R, D of (i, k, k)
    MatrixView<T> scratch;              // (n_edges, 9)
    Span<T> atom_energy;                // (n_atoms) out
    MatrixView<T> dE_dr;                // (n_edges, 3) out

    EIPNN_HD const TersoffParam& param(int i, int j, int k) const { return params[(i * n_species + j) * n_species + k]; }

    EIPNN_HD void operator()(index_t i) const {
        const int si = species[i];
        const index_t begin = offsets[i], end = offsets[i + 1];
        // pass 1: geometry and cutoff function of every edge, once
        for (index_t e = begin; e < end; ++e) {
            const int sk = species[neighbors[e]];
            const TersoffParam& pk = param(si, sk, sk);
            T* s = scratch.row(e);
            const T r = T(distances[e]);
            const T inv_r = T(1) / r;
            s[0] = r;
            s[1] = T(vectors(e, 0)) * inv_r;
            s[2] = T(vectors(e, 1)) * inv_r;
            s[3] = T(vectors(e, 2)) * inv_r;
            T dfc = 0;
            s[4] = distances[e] < pk.cut ? Form::fc(r, pk, dfc) : T(0);
            s[5] = dfc;
        }
        T energy = 0;
        // pass 2: each bond i -> j with its bond order
        for (index_t j = begin; j < end; ++j) {
            const int sj = species[neighbors[j]];
            const TersoffParam& pj = param(si, sj, sj);
            if (!(distances[j] < pj.cut)) continue;
            const T* s = scratch.row(j);
            const T rj = s[0], ujx = s[1], ujy = s[2], ujz = s[3], fcj = s[4], dfcj = s[5];
            const T inv_rj = T(1) / rj;
            // repulsion
            const T fr = T(pj.A) * std::exp(-T(pj.lam1) * rj);
            energy += T(0.5) * fcj * fr;
            T dj = T(0.5) * (dfcj * fr - fcj * T(pj.lam1) * fr);  // radial part of dE/dr_ij
            // zeta and its gradients (towards r_ij in dz*, towards each r_ik in scratch[k][6..8])
            T zeta = 0, dzx = 0, dzy = 0, dzz = 0;
            for (index_t k = begin; k < end; ++k) {
                if (k == j) continue;
                T* sk = scratch.row(k);
                const TersoffParam& pk = param(si, sj, species[neighbors[k]]);
                if (!(distances[k] < pk.cut)) continue;
                T fck = sk[4], dfck = sk[5];
                if (!fc_from_edge) fck = Form::fc(sk[0], pk, dfck);
                const T rk = sk[0], ukx = sk[1], uky = sk[2], ukz = sk[3];
                const T c = ujx * ukx + ujy * uky + ujz * ukz;
                T dg;
                const T gv = Form::g(c, pk, dg);
                // exp((lam3 (r_ij - r_ik))^m) and its derivative in (r_ij - r_ik)
                T ex = 1, dex = 0;
                if (pk.lam3 != 0.0) {
                    const T dr = rj - rk, l3 = T(pk.lam3);
                    const T arg = pk.m == 3 ? (l3 * dr) * (l3 * dr) * (l3 * dr) : l3 * dr;
                    const T darg = pk.m == 3 ? T(3) * l3 * l3 * l3 * dr * dr : l3;
                    if (arg > T(detail::kExpArgMax)) ex = T(1e30);
                    else if (arg < -T(detail::kExpArgMax)) ex = 0;
                    else ex = std::exp(arg);
                    dex = darg * ex;
                }
                zeta += fck * gv * ex;
                const T a = fck * dg * ex;  // d term / d cos
                const T inv_rk = T(1) / rk;
                // dcos/dr_ij = (u_k - c u_j)/r_ij, dcos/dr_ik = (u_j - c u_k)/r_ik
                const T aj = a * inv_rj, ak = a * inv_rk;
                const T rad_j = fck * gv * dex - aj * c;
                const T rad_k = dfck * gv * ex - fck * gv * dex - ak * c;
                dzx += aj * ukx + rad_j * ujx;
                dzy += aj * uky + rad_j * ujy;
                dzz += aj * ukz + rad_j * ujz;
                sk[6] = ak * ujx + rad_k * ukx;
                sk[7] = ak * ujy + rad_k * uky;
                sk[8] = ak * ujz + rad_k * ukz;
            }
            // attraction with the bond order
            T db;
            const T bij = Form::b(zeta, pj, db);
            const T fa = -T(pj.B) * std::exp(-T(pj.lam2) * rj);
            energy += T(0.5) * bij * fcj * fa;
            dj += T(0.5) * bij * (dfcj * fa - fcj * T(pj.lam2) * fa);
            const T pz = T(0.5) * fcj * fa * db;  // dE/dzeta
            dE_dr(j, 0) += dj * ujx + pz * dzx;
            dE_dr(j, 1) += dj * ujy + pz * dzy;
            dE_dr(j, 2) += dj * ujz + pz * dzz;
            if (pz == T(0)) continue;
            for (index_t k = begin; k < end; ++k) {
                if (k == j) continue;
                const TersoffParam& pk = param(si, sj, species[neighbors[k]]);
                if (!(distances[k] < pk.cut)) continue;
                const T* sk = scratch.row(k);
                dE_dr(k, 0) += pz * sk[6];
                dE_dr(k, 1) += pz * sk[7];
                dE_dr(k, 2) += pz * sk[8];
            }
        }
        atom_energy[i] = energy;
    }
};

// A Tersoff-family potential read from a LAMMPS file; Form = TersoffForm or TersoffModForm.
// The parameter table a kernel reads, wherever it lives (host or device memory).
struct TersoffTables {
    Span<const TersoffParam> params;    // (n_species^3), entry (i, j, k)
};

template <class Form>
class TersoffFamily : public AtomKernelPotential<TersoffFamily<Form>> {
public:
    TersoffFamily(std::vector<TersoffEntry> entries, const SpeciesMap& map = {}, std::string source = Form::style)
        : entries_(std::move(entries)), source_(std::move(source)) {
        std::vector<std::array<std::string, 3>> el;
        for (const auto& e : entries_) el.push_back(e.elements);
        index_ = TripletIndex::build(el, map, source_);
        const int n = index_.n();
        params_.assign(std::size_t(n * n * n), TersoffParam{});
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < n; ++k) {
                    const int e = index_.at(i, j, k);
                    if (e < 0) continue;
                    params_[std::size_t((i * n + j) * n + k)] = entries_[std::size_t(e)].p;
                    if (j == k && !(entries_[std::size_t(e)].p.n > 0))
                        throw Error(str("entry ", index_.names[std::size_t(i)], " ", index_.names[std::size_t(j)], " ",
                                        index_.names[std::size_t(j)], " gives the bond order of a pair but has n = 0"),
                                    source_, "the bond-order exponent n of (i, j, j) entries must be positive");
                    cutoff_ = std::max(cutoff_, entries_[std::size_t(e)].p.cut);
                }
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < n; ++k) {
                    const int e = index_.at(i, j, k), ekk = index_.at(i, k, k);
                    if (e < 0 || ekk < 0) continue;
                    const TersoffParam &a = entries_[std::size_t(e)].p, &b = entries_[std::size_t(ekk)].p;
                    if (a.R != b.R || a.D != b.D) fc_from_edge_ = false;
                }
    }

    static TersoffFamily from_file(const std::filesystem::path& path, const SpeciesMap& map = {}) {
        io::PotentialFileReader r(path);
        return TersoffFamily(Form::read(r), map, path.string());
    }

    std::string style() const override { return Form::style; }
    double cutoff() const override { return cutoff_; }
    const std::string& source() const override { return source_; }
    const std::vector<TersoffEntry>& entries() const { return entries_; }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh.
    static constexpr int scratch_per_edge = 9;
    template <class T>
    TersoffTables kernel_tables() const { return {span_of(params_)}; }
    template <class T>
    TersoffAtomKernel<T, Form> kernel(const AtomKernelArgs<T>& a, const TersoffTables& t) const {
        return {a.offsets, a.neighbors, a.vectors, a.distances, a.types, index_.n(), t.params, fc_from_edge_,
                a.scratch, a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return index_.species; }
    void check_types(const std::vector<int>& types) const override { index_.check_types(types, source_); }

private:
    std::vector<TersoffEntry> entries_;
    std::string source_;
    TripletIndex index_;
    std::vector<TersoffParam> params_;
    double cutoff_ = 0;
    bool fc_from_edge_ = true;
};

using Tersoff = TersoffFamily<TersoffForm>;

}  // namespace eipnn
