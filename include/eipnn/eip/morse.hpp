// Shifted Morse pair potential, as OpenKIM's Morse_Shifted driver defines it:
//   phi(r) = eps [ -exp(-2 C (r - R0)) + 2 exp(-C (r - R0)) ] - phi_unshifted(rcut),  r < rcut,
// with eps < 0 (so the well depth is |eps| at R0), E_i = 1/2 sum_j phi(r_ij).
// Named parameter sets: Girifalco & Weizer, Phys. Rev. 114, 687 (1959), for Mo and Al with the
// three cutoffs OpenKIM publishes (where |phi| has fallen to 1e-2, 1e-3, 1e-4 of its depth):
//   "GirifalcoWeizer_Mo_low" / "_medium" / "_high", "GirifalcoWeizer_Al_low" / ... .
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/eip/atom_kernel_potential.hpp"
#include "eipnn/eip/species.hpp"

namespace eipnn {

struct MorseParams {
    std::string element;  // the element the set describes (entry name)
    double epsilon = 0;   // eV (negative: -well depth)
    double C = 0;         // 1/Å
    double R0 = 0;        // Å
    double cutoff = 0;    // Å

    // phi_unshifted(rcut), subtracted so phi(rcut) = 0
    double shift() const {
        const double x = std::exp(-C * (cutoff - R0));
        return epsilon * (-x * x + 2.0 * x);
    }
};

// The OpenKIM Girifalco–Weizer 1959 sets; `name` as in the header comment.
inline MorseParams morse_named(const std::string& name) {
    struct Row {
        const char* element;
        double eps, C, R0, cut[3];
    };
    static const Row rows[] = {
        {"Mo", -0.8032, 1.5079, 2.976, {6.48804, 8.01655, 9.54372}},
        {"Al", -0.2703, 1.1646, 3.253, {7.80032, 9.77941, 11.7567}},
    };
    static const char* levels[] = {"low", "medium", "high"};
    for (const Row& r : rows)
        for (int l = 0; l < 3; ++l) {
            const std::string full = std::string("GirifalcoWeizer_") + r.element + "_" + levels[l];
            const std::string brief = std::string("GirifalcoWeizer_") + r.element + "_" + (l == 1 ? "med" : levels[l]);
            if (name == full || name == brief) return MorseParams{r.element, r.eps, r.C, r.R0, r.cut[l]};
        }
    throw Error(str("unknown Morse parameter set '", name, "'"), "morse",
                "use GirifalcoWeizer_<Mo|Al>_<low|medium|high>");
}

// Value and derivative of the shifted Morse pair term at distance r (< cutoff).
template <class T>
struct MorsePair {
    T epsilon, C, R0, shift;

    EIPNN_HD void operator()(T r, T& phi, T& dphi_dr) const {
        using std::exp;
        const T x = exp(-C * (r - R0));
        phi = epsilon * (T(2) * x - x * x) - shift;
        dphi_dr = epsilon * T(2) * C * (x * x - x);  // d/dr of 2x - x^2 with dx/dr = -C x
    }
};

template <class T>
struct MorseKernel {
    Span<const index_t> offsets;       // (n_atoms + 1)
    MatrixView<const double> vectors;  // (n_edges, 3)
    MorsePair<T> pair;
    T cut_sq;
    Span<T> atom_energy;               // (n_atoms) out
    MatrixView<T> dE_dr;               // (n_edges, 3) out

    EIPNN_HD void operator()(index_t i) const {
        T energy = 0;
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T r_sq = x * x + y * y + z * z;
            T g = 0;
            if (r_sq < cut_sq) {
                const T r = T(std::sqrt(r_sq));
                T phi, dphi_dr;
                pair(r, phi, dphi_dr);
                energy += T(0.5) * phi;
                g = T(0.5) * dphi_dr / r;
            }
            dE_dr(e, 0) = g * x;
            dE_dr(e, 1) = g * y;
            dE_dr(e, 2) = g * z;
        }
        atom_energy[i] = energy;
    }
};

class MorsePotential : public AtomKernelPotential<MorsePotential> {
public:
    // mapping {"W": "Mo"} evaluates W atoms with the Mo set.
    explicit MorsePotential(MorseParams p, const SpeciesMap& mapping = {})
        : p_(std::move(p)), source_("morse " + p_.element) {
        if (!(p_.C > 0) || !(p_.cutoff > 0) || !std::isfinite(p_.epsilon) || !std::isfinite(p_.R0))
            throw Error(str("invalid Morse parameters eps=", p_.epsilon, " C=", p_.C, " R0=", p_.R0, " rcut=", p_.cutoff),
                        "morse", "C and the cutoff must be positive, eps and R0 finite");
        species_ = resolve_species({p_.element}, mapping, source_);
    }
    static MorsePotential named(const std::string& name, const SpeciesMap& mapping = {}) {
        return MorsePotential(morse_named(name), mapping);
    }

    std::string style() const override { return "morse"; }
    double cutoff() const override { return p_.cutoff; }
    const std::string& source() const override { return source_; }
    const MorseParams& params() const { return p_; }

    // The kernel factory (atom_kernel_potential.hpp), shared with kernels/eipnn/cuda/eip.cuh. One
    // entry: the kernel reads no types, and its few parameters travel by value.
    static constexpr int scratch_per_edge = 0;
    static constexpr bool tables_by_value = true;
    template <class T>
    MorsePair<T> kernel_tables() const { return {T(p_.epsilon), T(p_.C), T(p_.R0), T(p_.shift())}; }
    template <class T>
    MorseKernel<T> kernel(const AtomKernelArgs<T>& a, const MorsePair<T>& pair) const {
        return {a.offsets, a.vectors, pair, T(p_.cutoff * p_.cutoff), a.atom_energy, a.dE_dr};
    }

protected:
    const SpeciesTable& species() const override { return species_; }

private:
    MorseParams p_;
    std::string source_;
    SpeciesTable species_;
};

}  // namespace eipnn
