// Analytic embedded-atom method of Zhou, Johnson and Wadley, Phys. Rev. B 69, 144113 (2004)
// ("ZJW 2004"; the form the OpenKIM models EAM_Dynamo_ZhouJohnsonWadley_2004_* tabulate). For an
// element with parameters (r_e, f_e, rho_e, rho_s, alpha, beta, A, B, kappa, lambda, F_n0..F_n3,
// F_0..F_3, eta, F_e) and x = r / r_e:
//   f(r)    = f_e exp(-beta (x - 1)) / (1 + (x - lambda)^20)                      atomic density
//   phi(r)  = A exp(-alpha (x - 1)) / (1 + (x - kappa)^20)
//           - B exp(-beta (x - 1)) / (1 + (x - lambda)^20)                        pair term
//   F(rho)  = sum_i F_ni (rho / rho_n - 1)^i                 rho <  rho_n = 0.85 rho_e
//           = sum_i F_i  (rho / rho_e - 1)^i                 rho_n <= rho < rho_0 = 1.15 rho_e
//           = F_e [1 - eta ln(rho / rho_s)] (rho / rho_s)^eta   rho >= rho_0
// and, between elements a != b, the alloy rule phi_ab = 1/2 (f_b/f_a phi_aa + f_a/f_b phi_bb).
//   E_i = F_a(rho_i) + 1/2 sum_j phi_ab(r_ij),   rho_i = sum_j f_b(r_ij).
// The kernel is EamKernel's (eam.hpp) with the functions evaluated exactly instead of from
// tables: per atom it writes E_i and dE_i/dr_ij = (F_a'(rho_i) f_b'(r) + phi_ab'(r)/2) r_ij / r;
// the j-side term F_b'(rho_j) f_a'(r) arrives through the reverse edge in the gather.
// The functions never vanish; the interaction is cut where the authors' tabulation code (and so
// the OpenKIM model) cuts it: r_c = sqrt(10)/2 * sqrt(2) r_e = sqrt(5) r_e, sqrt(2) r_e being the
// fcc lattice constant of that code, largest r_e over the elements (6.100 Å for Mo). There phi
// and f are ~6e-9 eV and ~2e-8 (Mo): the energy jumps by that much when a pair crosses r_c, as it
// does with the tables.
//
// Named parameter sets (the 2004 paper's values, as tabulated by its authors' code):
//   "ZhouJohnsonWadley_2004_Mo" and likewise _W, _Ta; several elements together as
//   "ZhouJohnsonWadley_2004_MoW", "ZhouJohnsonWadley_2004_MoTaW" (element symbols concatenated).
#pragma once
#include <cctype>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/eip/species.hpp"

namespace eipnn {

// One element's published parameters.
struct ZjwElement {
    std::string element;
    double re, fe, rho_e, rho_s, alpha, beta, A, B, kappa, lambda;  // Å, -, -, -, -, -, eV, eV, -, -
    double Fn[4];                                                   // eV, F_n0..F_n3
    double F[4];                                                    // eV, F_0..F_3
    double eta, Fe;                                                 // -, eV
};

struct ZjwParams {
    std::string name;                  // the named set, or what the caller calls it
    std::vector<ZjwElement> elements;  // entry order = type order
    double cutoff = 0;                 // Å

    // DYNAMO's tabulation cutoff: sqrt(10)/2 times the largest fcc lattice constant sqrt(2) r_e.
    static double tabulation_cutoff(const std::vector<ZjwElement>& els) {
        double re = 0;
        for (const auto& e : els) re = re > e.re ? re : e.re;
        return std::sqrt(10.0) / 2.0 * std::sqrt(2.0) * re;
    }
};

// The functions of one element in scalar type T (plain data: copied to the device as is).
template <class T>
struct ZjwFunctions {
    T re, fe, rho_e, rho_s, alpha, beta, A, B, kappa, lambda;
    T Fn[4], F[4];
    T eta, Fe;

    static ZjwFunctions from(const ZjwElement& e) {
        return {T(e.re),    T(e.fe),    T(e.rho_e), T(e.rho_s), T(e.alpha), T(e.beta), T(e.A), T(e.B), T(e.kappa),
                T(e.lambda), {T(e.Fn[0]), T(e.Fn[1]), T(e.Fn[2]), T(e.Fn[3])},
                {T(e.F[0]), T(e.F[1]), T(e.F[2]), T(e.F[3])}, T(e.eta), T(e.Fe)};
    }

    // P exp(-p (x - 1)) / (1 + (x - q)^20), x = r / r_e, and its r-derivative
    //   (1/r_e) * value * (-p - 20 (x - q)^19 / (1 + (x - q)^20)).
    EIPNN_HD T term(T r, T P, T p, T q, T& d_dr) const {
        using std::exp;
        const T x = r / re;
        const T t = x - q;
        const T t2 = t * t, t4 = t2 * t2, t5 = t4 * t, t10 = t5 * t5;
        const T den = T(1) + t10 * t10;
        const T v = P * exp(-p * (x - T(1))) / den;
        d_dr = v * (-p - T(20) * t10 * t5 * t4 / den) / re;
        return v;
    }

    // f(r), the atomic density.
    EIPNN_HD T density(T r, T& df_dr) const { return term(r, fe, beta, lambda, df_dr); }

    // phi_aa(r), the pair term between two atoms of this element.
    EIPNN_HD T pair(T r, T& dphi_dr) const {
        T d_rep, d_att;
        const T rep = term(r, A, alpha, kappa, d_rep);
        const T att = term(r, B, beta, lambda, d_att);
        dphi_dr = d_rep - d_att;
        return rep - att;
    }

    // F(rho), the three-piece embedding function (rho >= 0).
    EIPNN_HD T embedding(T rho, T& dF_drho) const {
        using std::exp;
        using std::log;
        const T rho_n = T(0.85) * rho_e, rho_0 = T(1.15) * rho_e;
        if (rho < rho_0) {
            const bool low = rho < rho_n;
            const T* c = low ? Fn : F;
            const T scale = low ? rho_n : rho_e;
            const T y = rho / scale - T(1);
            dF_drho = ((T(3) * c[3] * y + T(2) * c[2]) * y + c[1]) / scale;
            return ((c[3] * y + c[2]) * y + c[1]) * y + c[0];
        }
        // u = rho / rho_s: F = F_e (1 - eta ln u) u^eta, dF/du = -F_e eta^2 u^(eta - 1) ln u
        const T ln_u = log(rho / rho_s);
        const T u_eta = exp(eta * ln_u);
        dF_drho = -Fe * eta * eta * u_eta * ln_u / rho;
        return Fe * (T(1) - eta * ln_u) * u_eta;
    }
};

// phi_ab between elements a and b (the alloy rule when a != b) and its r-derivative.
template <class T>
EIPNN_HD T zjw_pair(const ZjwFunctions<T>& a, const ZjwFunctions<T>& b, bool same, T r, T& dphi_dr) {
    if (same) return a.pair(r, dphi_dr);
    T dfa, dfb, dpa, dpb;
    const T fa = a.density(r, dfa), fb = b.density(r, dfb);
    const T pa = a.pair(r, dpa), pb = b.pair(r, dpb);
    const T ba = fb / fa, ab = fa / fb;  // f_b / f_a and its inverse; f > 0 everywhere
    // d(f_b/f_a)/dr = (f_b' - (f_b/f_a) f_a') / f_a, and symmetrically
    const T dba = (dfb - ba * dfa) / fa, dab = (dfa - ab * dfb) / fb;
    dphi_dr = T(0.5) * (dba * pa + ba * dpa + dab * pb + ab * dpb);
    return T(0.5) * (ba * pa + ab * pb);
}

template <class T>
struct ZjwEamKernel {
    Span<const index_t> offsets;        // (n_atoms + 1)
    Span<const index_t> neighbors;      // (n_edges)
    MatrixView<const double> vectors;   // (n_edges, 3)
    Span<const int> types;              // (n_atoms) entry index
    const ZjwFunctions<T>* elements;    // (n_elements)
    T cut_sq;
    Span<T> atom_energy;                // (n_atoms) out
    MatrixView<T> dE_dr;                // (n_edges, 3) out

    EIPNN_HD void operator()(index_t i) const {
        const int a = types[i];
        T rho = 0;
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T r_sq = x * x + y * y + z * z;
            if (!(r_sq < cut_sq)) continue;
            T unused;
            rho += elements[types[neighbors[e]]].density(T(std::sqrt(r_sq)), unused);
        }
        T dF_drho;
        T energy = elements[a].embedding(rho, dF_drho);
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T r_sq = x * x + y * y + z * z;
            if (!(r_sq < cut_sq)) {
                dE_dr(e, 0) = dE_dr(e, 1) = dE_dr(e, 2) = T(0);
                continue;
            }
            const int b = types[neighbors[e]];
            const T r = T(std::sqrt(r_sq));
            T df_dr, dphi_dr;
            elements[b].density(r, df_dr);
            const T phi = zjw_pair(elements[a], elements[b], a == b, r, dphi_dr);
            energy += T(0.5) * phi;
            const T dE_dr_scalar = (dF_drho * df_dr + T(0.5) * dphi_dr) / r;
            dE_dr(e, 0) = dE_dr_scalar * x;
            dE_dr(e, 1) = dE_dr_scalar * y;
            dE_dr(e, 2) = dE_dr_scalar * z;
        }
        atom_energy[i] = energy;
    }
};

// The 2004 paper's parameters of one element (Mo, W, Ta); throws for others.
inline ZjwElement zjw_2004_element(const std::string& el) {
    // re, fe, rho_e, rho_s, alpha, beta, A, B, kappa, lambda, F_n0..3, F_0..3, eta, F_e
    static const ZjwElement table[] = {
        {"Mo", 2.728100, 2.723710, 29.354065, 29.354065, 8.393531, 4.476550, 0.708787, 1.120373, 0.137640, 0.275280,
         {-3.692913, -0.178812, 0.380450, -3.133650}, {-3.71, 0.00, 0.875874, 0.776222}, 0.790879, -3.712093},
        {"W", 2.740840, 3.487340, 37.234847, 37.234847, 8.900114, 4.746728, 0.882435, 1.394592, 0.139209, 0.278417,
         {-4.946281, -0.148818, 0.365057, -4.432406}, {-4.96, 0.00, 0.661935, 0.348147}, 0.582714, -4.961306},
        {"Ta", 2.860082, 3.086341, 33.787168, 33.787168, 8.489528, 4.527748, 0.611679, 1.032101, 0.176977, 0.353954,
         {-5.103845, -0.405524, 1.112997, -3.585325}, {-5.14, 0.00, 1.640098, 0.221375}, 0.848843, -5.141526},
    };
    for (const auto& e : table)
        if (e.element == el) return e;
    throw Error(str("no ZJW 2004 parameters for element '", el, "'"), "eam/zjw",
                "this library carries the 2004 sets of Mo, W and Ta");
}

// "ZhouJohnsonWadley_2004_<El><El>..." -> those elements, in that order, with the tabulation cutoff.
inline ZjwParams zjw_named(const std::string& name) {
    const std::string prefix = "ZhouJohnsonWadley_2004_";
    const char* hint = "use ZhouJohnsonWadley_2004_<elements>, e.g. ZhouJohnsonWadley_2004_Mo or _MoW (Mo, W, Ta)";
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size())
        throw Error(str("unknown ZJW parameter set '", name, "'"), "eam/zjw", hint);
    ZjwParams p;
    p.name = name;
    const std::string els = name.substr(prefix.size());
    for (std::size_t k = 0; k < els.size();) {
        std::size_t n = 1;
        if (!std::isupper(static_cast<unsigned char>(els[k])))
            throw Error(str("'", els, "' in parameter set '", name, "' is not a list of element symbols"), "eam/zjw", hint);
        while (k + n < els.size() && std::islower(static_cast<unsigned char>(els[k + n]))) ++n;
        const std::string el = els.substr(k, n);
        for (const auto& e : p.elements)
            if (e.element == el) throw Error(str("element ", el, " is named twice in '", name, "'"), "eam/zjw", hint);
        p.elements.push_back(zjw_2004_element(el));
        k += n;
    }
    p.cutoff = ZjwParams::tabulation_cutoff(p.elements);
    return p;
}

// The per-element functions a kernel reads, wherever they live (host or device memory).
template <class T>
struct ZjwTables {
    const ZjwFunctions<T>* elements;    // (n_elements)
};

class ZjwEamPotential : public AtomKernelPotential<ZjwEamPotential> {
public:
    static ZjwEamPotential named(const std::string& name, const SpeciesMap& mapping = {}) {
        return ZjwEamPotential(zjw_named(name), mapping);
    }

    explicit ZjwEamPotential(ZjwParams p, const SpeciesMap& mapping = {})
        : p_(std::move(p)), source_("eam/zjw " + p_.name) {
        if (p_.elements.empty()) throw Error("no elements", source_, "give at least one element's parameters");
        if (!(p_.cutoff > 0) || !std::isfinite(p_.cutoff))
            throw Error(str("cutoff = ", p_.cutoff, ": must be positive and finite"), source_,
                        "use ZjwParams::tabulation_cutoff(elements)");
        std::vector<std::string> names;
        for (const auto& e : p_.elements) {
            const double v[] = {e.re, e.fe, e.rho_e, e.rho_s, e.alpha, e.beta, e.A, e.B, e.kappa, e.lambda,
                                e.Fn[0], e.Fn[1], e.Fn[2], e.Fn[3], e.F[0], e.F[1], e.F[2], e.F[3], e.eta, e.Fe};
            bool finite = true;
            for (double x : v) finite = finite && std::isfinite(x);
            // r_e, f_e, rho_e, rho_s > 0 keep x, f and ln(rho/rho_s) defined (f > 0 is what the alloy rule divides by)
            if (!finite || !(e.re > 0) || !(e.fe > 0) || !(e.rho_e > 0) || !(e.rho_s > 0))
                throw Error(str("invalid parameters for ", e.element), source_,
                            "all must be finite, r_e, f_e, rho_e and rho_s positive");
            names.push_back(e.element);
            d_.push_back(ZjwFunctions<double>::from(e));
            f_.push_back(ZjwFunctions<float>::from(e));
        }
        species_ = resolve_species(names, mapping, source_);
    }

    std::string style() const override { return "eam/zjw"; }
    double cutoff() const override { return p_.cutoff; }
    const std::string& source() const override { return source_; }
    const ZjwParams& params() const { return p_; }
    const ZjwFunctions<double>& functions(int entry) const { return d_.at(std::size_t(entry)); }
    template <class T>
    const std::vector<ZjwFunctions<T>>& function_table() const {
        if constexpr (std::is_same_v<T, float>) return f_;
        else return d_;
    }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh.
    static constexpr int scratch_per_edge = 0;
    template <class T>
    ZjwTables<T> kernel_tables() const { return {function_table<T>().data()}; }
    template <class T>
    ZjwEamKernel<T> kernel(const AtomKernelArgs<T>& a, const ZjwTables<T>& t) const {
        return {a.offsets, a.neighbors, a.vectors, a.types, t.elements, T(p_.cutoff * p_.cutoff), a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return species_; }

private:
    ZjwParams p_;
    std::string source_;
    SpeciesTable species_;
    std::vector<ZjwFunctions<double>> d_;
    std::vector<ZjwFunctions<float>> f_;
};

}  // namespace eipnn
