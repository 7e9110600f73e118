// Spline-based modified embedded-atom method (Lenosky et al., MSMSE 8, 825 (2000); LAMMPS
// `pair_style meam/spline`), for atom i of entry a and neighbours j (b), k (c):
//   E_i = U_a(rho_i) - U_a(0) + 1/2 sum_j phi_ab(r_ij)
//   rho_i = sum_j rho_b(r_ij) + sum_{j<k} f_b(r_ij) f_c(r_ik) g_bc(cos theta_jik)
// all five functions clamped cubic splines (math/cubic_spline.hpp). The kernel writes, per edge j,
//   dE_i/dr_ij = U'(rho_i) [ rho_b' rhat_ij + sum_{k != j} f_c(r_ik) (f_b' g rhat_ij
//                 + f_b g' (rhat_ik - cos rhat_ij) / r_ij) ] + phi_ab'/2 rhat_ij,
// each edge's row from a loop over the other edges, so nothing is scattered.
// File formats: the old one (a single element, unnamed) and the new one whose second line is
// `meam/spline N el1 .. elN`; function order phi (pairs), rho, U, f (per element), g (pairs),
// pairs in upper-triangular row-major order (11, 12, .., 1N, 22, ..).
#pragma once
#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/eip/potential_file_lines.hpp"
#include "eipnn/eip/species.hpp"
#include "eipnn/math/cubic_spline.hpp"

namespace eipnn {

struct MeamSplineParams {
    std::vector<std::string> elements;  // entry names
    std::vector<CubicSpline> phi, rho, U, f, g;  // (pairs), (n), (n), (n), (pairs)
    double cutoff = 0;                  // largest knot of phi, rho, f

    int n_elements() const { return int(elements.size()); }
    EIPNN_HD static int pair_index(int a, int b, int n) {  // also called by the device kernel
        const int lo = a < b ? a : b, hi = a < b ? b : a;
        return lo * n - lo * (lo + 1) / 2 + hi;  // upper triangle, row-major
    }
};

namespace detail {

inline std::string element_from_file_name(const std::string& path) {
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    std::string sym;
    for (char c : base) {
        if (!std::isalpha(static_cast<unsigned char>(c))) break;
        sym += c;
        if (sym.size() == 2) break;
    }
    if (sym.size() == 2 && atomic_number_or_zero(sym) == 0) sym.pop_back();
    return atomic_number_or_zero(sym) ? sym : std::string();
}

inline CubicSpline read_meam_spline_function(PotentialReader& t, bool new_format, const std::string& name) {
    if (new_format) line_words(t, str("the 'spline3eq' line of ", name));
    auto w = line_words(t, str("the number of knots of ", name));
    const int n = integer_field(t, w[0], str("the number of knots of ", name));
    if (n < 2) t.fail(str(name, " has ", n, " knots; expected at least 2"));
    const std::string ends = "dy/dx(first) dy/dx(last)";
    w = line_words(t, str("the end derivatives '", ends, "' of ", name));
    const double d0 = number_field(t, w[0], str("the first-knot derivative of ", name));
    const double dn = number_field(t, line_field(t, w, 1, str("the last-knot derivative of ", name), ends),
                                   str("the last-knot derivative of ", name));
    if (!new_format) line_words(t, str("the (ignored) flags line of ", name));
    // grown knot by knot: a knot count of 2e9 in a short file must fail as truncated, not allocate
    std::vector<double> x, y;
    x.reserve(std::size_t(std::min(n, 1 << 16)));
    y.reserve(std::size_t(std::min(n, 1 << 16)));
    for (int k = 0; k < n; ++k) {
        const std::string knot = str("knot ", k + 1, " of ", name);
        w = line_words(t, str("knot ", k + 1, " 'x y y2' of ", name));
        x.push_back(number_field(t, w[0], str("x of ", knot)));
        y.push_back(number_field(t, line_field(t, w, 1, str("y of ", knot), "x y y2"), str("y of ", knot)));
    }
    try {
        return CubicSpline(std::move(x), std::move(y), d0, dn, name);
    } catch (const Error& e) {
        t.fail(e.problem(), e.hint());
    }
}

}  // namespace detail

// `element` names the entry of an old-format (single, unnamed element) file; empty: guessed from
// the file name's leading element symbol ("Si_1.meam.spline" -> Si). The reader may be over a
// file or over text in memory (io::PotentialFileReader::from_text, named like a file).
inline MeamSplineParams read_meam_spline(io::PotentialFileReader& t, const std::string& element = "") {
    const std::string path = t.name();
    const io::PotentialFileReader start = t;  // the old format is read twice (see the rewind below)
    MeamSplineParams p;
    t.raw_line("the comment line that opens a meam/spline file");
    const std::string line2 = "line 2 (the number of knots, or 'meam/spline N elements...')";
    auto w = detail::line_words(t, line2);
    const bool new_format = w[0].rfind("meam/spline", 0) == 0;
    if (new_format) {
        const int n = detail::integer_field(t, detail::line_field(t, w, 1, "the number of elements", "meam/spline N el1 ... elN"),
                                            "the number of elements (field 2 of line 2)");
        if (n < 1 || int(w.size()) < n + 2)
            t.fail(str("line 2 announces ", n, " elements but names ", w.size() - 2));
        for (int k = 0; k < n; ++k) p.elements.push_back(w[std::size_t(k) + 2]);
    } else {
        const std::string el = element.empty() ? detail::element_from_file_name(path) : element;
        if (el.empty())
            throw Error("an old-format meam/spline file does not name its element and the file name does not start with one",
                        path, "give the element explicitly (MeamSplinePotential::from_file(path, mapping, element))");
        p.elements.push_back(el);
        // rewind: line 2 already was the first spline's knot count
        t = start;
        t.raw_line("the comment line that opens a meam/spline file");
    }
    const int n = p.n_elements();
    auto pair_name = [&](const char* fn, int k) {
        // k-th pair in upper-triangular order
        int a = 0, b = 0, c = 0;
        for (a = 0; a < n; ++a)
            for (b = a; b < n; ++b, ++c)
                if (c == k) return str(fn, "(", p.elements[std::size_t(a)], "-", p.elements[std::size_t(b)], ")");
        return str(fn, "(pair ", k, ")");
    };
    const int n_pairs = n * (n + 1) / 2;
    for (int k = 0; k < n_pairs; ++k) p.phi.push_back(detail::read_meam_spline_function(t, new_format, pair_name("phi", k)));
    for (int k = 0; k < n; ++k) p.rho.push_back(detail::read_meam_spline_function(t, new_format, "rho(" + p.elements[std::size_t(k)] + ")"));
    for (int k = 0; k < n; ++k) p.U.push_back(detail::read_meam_spline_function(t, new_format, "U(" + p.elements[std::size_t(k)] + ")"));
    for (int k = 0; k < n; ++k) p.f.push_back(detail::read_meam_spline_function(t, new_format, "f(" + p.elements[std::size_t(k)] + ")"));
    for (int k = 0; k < n_pairs; ++k) p.g.push_back(detail::read_meam_spline_function(t, new_format, pair_name("g", k)));
    for (const auto* set : {&p.phi, &p.rho, &p.f})
        for (const auto& s : *set) p.cutoff = std::max(p.cutoff, s.x_last());
    return p;
}

inline MeamSplineParams read_meam_spline(const std::string& path, const std::string& element = "") {
    io::PotentialFileReader t(path);
    return read_meam_spline(t, element);
}

template <class T>
struct MeamSplineKernel {
    Span<const index_t> offsets;       // (n_atoms + 1)
    Span<const index_t> neighbors;     // (n_edges)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const int> types;             // (n_atoms)
    const CubicSplineView<T>* phi;     // (n_pairs)
    const CubicSplineView<T>* rho;     // (n)
    const CubicSplineView<T>* U;       // (n)
    const CubicSplineView<T>* f;       // (n)
    const CubicSplineView<T>* g;       // (n_pairs)
    const T* U_at_zero;                // (n)
    int n_elements;
    T cut_sq;
    Span<T> atom_energy;               // (n_atoms) out
    MatrixView<T> dE_dr;               // (n_edges, 3) out

    EIPNN_HD int pair(int a, int b) const { return MeamSplineParams::pair_index(a, b, n_elements); }

    // unit vector and length of edge e; false when outside the cutoff
    EIPNN_HD bool edge(index_t e, T u[3], T& r) const {
        const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
        const T r_sq = x * x + y * y + z * z;
        if (!(r_sq < cut_sq)) return false;
        r = T(std::sqrt(r_sq));
        u[0] = x / r, u[1] = y / r, u[2] = z / r;
        return true;
    }

    EIPNN_HD void operator()(index_t i) const {
        const int a = types[i];
        const index_t begin = offsets[i], end = offsets[i + 1];
        T density = 0, pair_energy = 0;
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) continue;
            const int b = types[neighbors[j]];
            T d;
            density += rho[b](rj, d);
            pair_energy += T(0.5) * phi[pair(a, b)](rj, d);
            const T fj = f[b](rj, d);
            for (index_t k = begin; k < j; ++k) {
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const int c = types[neighbors[k]];
                const T cos_jik = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                density += fj * f[c](rk, d) * g[pair(b, c)](cos_jik, d);
            }
        }
        T dU_drho;
        atom_energy[i] = U[a](density, dU_drho) - U_at_zero[a] + pair_energy;
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) {
                dE_dr(j, 0) = dE_dr(j, 1) = dE_dr(j, 2) = T(0);
                continue;
            }
            const int b = types[neighbors[j]];
            T drho_dr, dphi_dr, df_dr;
            rho[b](rj, drho_dr);
            phi[pair(a, b)](rj, dphi_dr);
            const T fj = f[b](rj, df_dr);
            T radial = dU_drho * drho_dr + T(0.5) * dphi_dr;  // along rhat_ij
            T angular[3] = {0, 0, 0};                         // along rhat_ik, summed over k
            T along_j_from_angle = 0;
            for (index_t k = begin; k < end; ++k) {
                if (k == j) continue;
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const int c = types[neighbors[k]];
                T unused, dg_dcos;
                const T fk = f[c](rk, unused);
                const T cos_jik = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                const T gv = g[pair(b, c)](cos_jik, dg_dcos);
                radial += dU_drho * df_dr * fk * gv;
                const T w = dU_drho * fj * fk * dg_dcos / rj;  // times d cos / d r_ij
                angular[0] += w * uk[0], angular[1] += w * uk[1], angular[2] += w * uk[2];
                along_j_from_angle += w * cos_jik;
            }
            const T along = radial - along_j_from_angle;
            dE_dr(j, 0) = along * uj[0] + angular[0];
            dE_dr(j, 1) = along * uj[1] + angular[1];
            dE_dr(j, 2) = along * uj[2] + angular[2];
        }
    }
};

// The splines a kernel reads, wherever they live (host or device memory).
template <class T>
struct MeamSplineTables {
    const CubicSplineView<T>* phi;      // (n_pairs)
    const CubicSplineView<T>* rho;      // (n)
    const CubicSplineView<T>* U;        // (n)
    const CubicSplineView<T>* f;        // (n)
    const CubicSplineView<T>* g;        // (n_pairs)
    const T* U_at_zero;                 // (n)
};

class MeamSplinePotential : public AtomKernelPotential<MeamSplinePotential> {
public:
    static MeamSplinePotential from_file(const std::string& path, const SpeciesMap& mapping = {},
                                         const std::string& element = "") {
        return MeamSplinePotential(read_meam_spline(path, element), mapping, path);
    }

    MeamSplinePotential(MeamSplineParams p, const SpeciesMap& mapping, std::string source)
        : p_(std::make_shared<const MeamSplineParams>(std::move(p))), source_(std::move(source)),
          d_(*p_), f_(*p_) {
        species_ = resolve_species(p_->elements, mapping, source_);
    }

    std::string style() const override { return "meam/spline"; }
    double cutoff() const override { return p_->cutoff; }
    const std::string& source() const override { return source_; }
    const MeamSplineParams& params() const { return *p_; }
    template <class T>
    const std::vector<T>& U_at_zero() const { return views<T>().U_at_zero; }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh.
    static constexpr int scratch_per_edge = 0;
    template <class T>
    MeamSplineTables<T> kernel_tables() const {
        const Views<T>& v = views<T>();
        return {v.phi.data(), v.rho.data(), v.U.data(), v.f.data(), v.g.data(), v.U_at_zero.data()};
    }
    template <class T>
    MeamSplineKernel<T> kernel(const AtomKernelArgs<T>& a, const MeamSplineTables<T>& t) const {
        return {a.offsets, a.neighbors, a.vectors, a.types, t.phi, t.rho, t.U, t.f, t.g, t.U_at_zero,
                p_->n_elements(), T(p_->cutoff * p_->cutoff), a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return species_; }

private:
    // Views of the splines in one scalar type. They point into *p_, which copies of the potential
    // share (the parameters never change), so a copied potential's views stay valid.
    template <class T>
    struct Views {
        std::vector<CubicSplineView<T>> phi, rho, U, f, g;
        std::vector<T> U_at_zero;  // U(0), subtracted so an isolated atom has zero energy

        explicit Views(const MeamSplineParams& p)
            : phi(of(p.phi)), rho(of(p.rho)), U(of(p.U)), f(of(p.f)), g(of(p.g)) {
            for (const auto& u : p.U) U_at_zero.push_back(T(u.view<double>()(0.0)));
        }
        static std::vector<CubicSplineView<T>> of(const std::vector<CubicSpline>& splines) {
            std::vector<CubicSplineView<T>> out;
            for (const auto& s : splines) out.push_back(s.view<T>());
            return out;
        }
    };
    template <class T>
    const Views<T>& views() const {
        if constexpr (std::is_same_v<T, float>) return f_;
        else return d_;
    }

    std::shared_ptr<const MeamSplineParams> p_;
    std::string source_;
    SpeciesTable species_;
    Views<double> d_;
    Views<float> f_;
};

}  // namespace eipnn
