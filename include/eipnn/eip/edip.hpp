// Environment-dependent interatomic potential (EDIP) for silicon: Justo, Bazant, Kaxiras,
// Bulatov, Yip, Phys. Rev. B 58, 2539 (1998), in its exact analytic form (LAMMPS' `pair_style
// edip` interpolates tables; the OpenKIM model EDIP_JustoBazantKaxiras_1998_Si does not):
//   E_i = sum_j V2(r_ij, Z_i) + sum_{j<k} g(r_ij) g(r_ik) h(cos theta_jik, Z_i)
//   V2(r, Z) = A [(B/r)^rho - exp(-beta Z^2)] exp(sigma / (r - a))
//   g(r) = exp(gamma / (r - a)),   Z_i = sum_m f(r_im)
//   f(r) = 1 (r < c), exp(alpha / (1 - x^-3)) with x = (r - c)/(a - c) (c < r < a), 0 beyond a
//   h(l, Z) = lambda [1 - exp(-Q(Z) w^2) + eta Q(Z) w^2],  w = l + tau(Z)
//   Q(Z) = Q0 exp(-mu Z),  tau(Z) = u1 + u2 (u3 exp(-u4 Z) - exp(-2 u4 Z)).
// Every atom's energy depends on its coordination Z_i, so dE_i/dr_im carries dE_i/dZ_i f'(r_im).
// Parameters from a LAMMPS `.edip` file (one entry 'el el el A B a c alpha beta eta gamma lambda
// mu rho sigma Q0 u1 u2 u3 u4'; single-element EDIP only).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "eipnn/eip/potential.hpp"
#include "eipnn/io/lammps_potential_file.hpp"
#include "eipnn/eip/species.hpp"

namespace eipnn {

template <class T>
struct EdipParams {
    T A, B, a, c, alpha, beta, eta, gamma, lambda, mu, rho, sigma, Q0, u1, u2, u3, u4;

    template <class U>
    EdipParams<U> as() const {
        return {U(A), U(B), U(a), U(c), U(alpha), U(beta), U(eta), U(gamma), U(lambda), U(mu), U(rho), U(sigma),
                U(Q0), U(u1), U(u2), U(u3), U(u4)};
    }

    // Coordination contribution f(r) and df/dr, with t = x^3 so that r -> c is regular:
    // alpha / (1 - x^-3) = alpha t / (t - 1).
    EIPNN_HD T coordination(T r, T& df_dr) const {
        using std::exp;
        if (r < c) {
            df_dr = T(0);
            return T(1);
        }
        if (!(r < a)) {
            df_dr = T(0);
            return T(0);
        }
        const T x = (r - c) / (a - c);
        const T t = x * x * x;
        const T f = exp(alpha * t / (t - T(1)));
        df_dr = f * (-alpha / ((t - T(1)) * (t - T(1)))) * T(3) * x * x / (a - c);
        return f;
    }

    // V2(r, Z) with dV2/dr and dV2/dZ (r < a).
    EIPNN_HD T pair(T r, T Z, T& dV_dr, T& dV_dZ) const {
        using std::exp;
        using std::pow;
        const T cut = exp(sigma / (r - a));
        const T dcut_dr = -cut * sigma / ((r - a) * (r - a));
        const T repulsion = pow(B / r, rho);
        const T bond_order = exp(-beta * Z * Z);
        const T bracket = repulsion - bond_order;
        dV_dr = A * (-rho * repulsion / r * cut + bracket * dcut_dr);
        dV_dZ = A * T(2) * beta * Z * bond_order * cut;
        return A * bracket * cut;
    }

    // g(r) and dg/dr (r < a).
    EIPNN_HD T radial3(T r, T& dg_dr) const {
        using std::exp;
        const T g = exp(gamma / (r - a));
        dg_dr = -g * gamma / ((r - a) * (r - a));
        return g;
    }

    // Q(Z), tau(Z) and their Z-derivatives, once per atom.
    EIPNN_HD void environment(T Z, T& Q, T& dQ_dZ, T& tau, T& dtau_dZ) const {
        using std::exp;
        Q = Q0 * exp(-mu * Z);
        dQ_dZ = -mu * Q;
        const T e1 = exp(-u4 * Z), e2 = exp(-T(2) * u4 * Z);
        tau = u1 + u2 * (u3 * e1 - e2);
        dtau_dZ = u2 * (-u4 * u3 * e1 + T(2) * u4 * e2);
    }

    // h(l, Z) with dh/dl and dh/dZ, given the environment terms.
    EIPNN_HD T angular(T l, T Q, T dQ_dZ, T tau, T dtau_dZ, T& dh_dl, T& dh_dZ) const {
        using std::exp;
        const T w = l + tau;
        const T e = exp(-Q * w * w);
        const T dh_dw = lambda * (T(2) * Q * w * e + T(2) * eta * Q * w);
        const T dh_dQ = lambda * (w * w * e + eta * w * w);
        dh_dl = dh_dw;
        dh_dZ = dh_dQ * dQ_dZ + dh_dw * dtau_dZ;
        return lambda * (T(1) - e + eta * Q * w * w);
    }
};

template <class T>
struct EdipKernel {
    Span<const index_t> offsets;       // (n_atoms + 1)
    MatrixView<const double> vectors;  // (n_edges, 3)
    EdipParams<T> p;
    Span<T> atom_energy;               // (n_atoms) out
    MatrixView<T> dE_dr;               // (n_edges, 3) out

    EIPNN_HD bool edge(index_t e, T u[3], T& r) const {
        const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
        const T r_sq = x * x + y * y + z * z;
        if (!(r_sq < p.a * p.a)) return false;
        r = T(std::sqrt(r_sq));
        u[0] = x / r, u[1] = y / r, u[2] = z / r;
        return true;
    }

    EIPNN_HD void operator()(index_t i) const {
        const index_t begin = offsets[i], end = offsets[i + 1];
        T Z = 0, unused;
        for (index_t e = begin; e < end; ++e) {
            T u[3], r;
            if (edge(e, u, r)) Z += p.coordination(r, unused);
        }
        T Q, dQ_dZ, tau, dtau_dZ;
        p.environment(Z, Q, dQ_dZ, tau, dtau_dZ);
        // energy and dE_i/dZ_i
        T energy = 0, dE_dZ = 0;
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) continue;
            T dV_dr, dV_dZ;
            energy += p.pair(rj, Z, dV_dr, dV_dZ);
            dE_dZ += dV_dZ;
            const T gj = p.radial3(rj, unused);
            for (index_t k = begin; k < j; ++k) {
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const T gk = p.radial3(rk, unused);
                T dh_dl, dh_dZ;
                const T l = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                energy += gj * gk * p.angular(l, Q, dQ_dZ, tau, dtau_dZ, dh_dl, dh_dZ);
                dE_dZ += gj * gk * dh_dZ;
            }
        }
        atom_energy[i] = energy;
        // per-edge gradients: own pair term, coordination, and the triplets the edge is part of
        for (index_t j = begin; j < end; ++j) {
            T uj[3], rj;
            if (!edge(j, uj, rj)) {
                dE_dr(j, 0) = dE_dr(j, 1) = dE_dr(j, 2) = T(0);
                continue;
            }
            T dV_dr, dV_dZ, df_dr, dgj_dr;
            p.pair(rj, Z, dV_dr, dV_dZ);
            p.coordination(rj, df_dr);
            const T gj = p.radial3(rj, dgj_dr);
            T along = dV_dr + dE_dZ * df_dr;  // along rhat_ij
            T across[3] = {0, 0, 0};          // along rhat_ik, summed over k
            for (index_t k = begin; k < end; ++k) {
                if (k == j) continue;
                T uk[3], rk;
                if (!edge(k, uk, rk)) continue;
                const T gk = p.radial3(rk, unused);
                const T l = uj[0] * uk[0] + uj[1] * uk[1] + uj[2] * uk[2];
                T dh_dl, dh_dZ;
                const T h = p.angular(l, Q, dQ_dZ, tau, dtau_dZ, dh_dl, dh_dZ);
                along += dgj_dr * gk * h;
                const T w = gj * gk * dh_dl / rj;  // d l / d r_ij = (rhat_ik - l rhat_ij) / r_ij
                along -= w * l;
                across[0] += w * uk[0], across[1] += w * uk[1], across[2] += w * uk[2];
            }
            dE_dr(j, 0) = along * uj[0] + across[0];
            dE_dr(j, 1) = along * uj[1] + across[1];
            dE_dr(j, 2) = along * uj[2] + across[2];
        }
    }
};

// Reads the single-element entry of a LAMMPS .edip file ('#' comments; an entry may span lines).
inline EdipParams<double> read_edip(const std::string& path, std::string* element = nullptr) {
    static const std::vector<std::string> fields = {"element1", "element2", "element3", "A", "B", "cutoffA", "cutoffC",
                                                    "alpha", "beta", "eta", "gamma", "lambda", "mu", "rho", "sigma",
                                                    "Q0", "u1", "u2", "u3", "u4"};
    io::PotentialFileReader t(path);
    io::PotentialEntry e;
    if (!t.next_entry(fields, e))
        t.fail(str("no EDIP entry found; expected '", io::PotentialFileReader::join(fields), "'"));
    if (!t.at_end()) {
        const std::string next = t.next_word("element1");  // before where(): it moves the reader's line
        throw Error(str("a second entry starts after the ", fields.size(), " fields of the first (found '", next,
                        "'); only single-element EDIP is supported"),
                    t.where(), "keep one entry 'El El El A B ... u4' in the file");
    }
    if (e.word(0) != e.word(1) || e.word(0) != e.word(2))
        throw Error(str("the entry is for ", e.word(0), " ", e.word(1), " ", e.word(2),
                        "; only single-element EDIP is supported"),
                    io::detail::at_line(path, e.first_line()), "use an entry 'El El El ...'");
    double v[17];
    for (int k = 0; k < 17; ++k) v[k] = e.number(std::size_t(k) + 3);
    const EdipParams<double> p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
    if (!(p.a > p.c && p.c > 0))
        throw Error(str("cutoffs must satisfy 0 < cutoffC < cutoffA, got cutoffC = ", p.c, ", cutoffA = ", p.a),
                    io::detail::at_line(path, e.lines[5]), "fix the EDIP file");
    if (element) *element = e.word(0);
    return p;
}

class EdipPotential : public Potential {
public:
    static EdipPotential from_file(const std::string& path, const SpeciesMap& mapping = {}) {
        std::string element;
        const auto p = read_edip(path, &element);
        return EdipPotential(p, element, mapping, path);
    }

    EdipPotential(EdipParams<double> p, std::string element, const SpeciesMap& mapping, std::string source)
        : p_(p), element_(std::move(element)), source_(std::move(source)) {
        species_ = resolve_species({element_}, mapping, source_);
    }

    std::string style() const override { return "edip"; }
    double cutoff() const override { return p_.a; }
    std::vector<int> supported_numbers() const override { return species_.supported_numbers(); }
    const EdipParams<double>& params() const { return p_; }
    // Checks the structure's elements (one entry: the kernel needs no types).
    std::vector<int> atom_types(const Structure& s) const { return species_.types_of(s.numbers, source_); }

    void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<double>& out) const override {
        run(s, nl, host, out);
    }
    void compute(const Structure& s, const NeighborList& nl, const Host& host, EipResult<float>& out) const override {
        run(s, nl, host, out);
    }
    using Potential::compute;

private:
    template <class T>
    void run(const Structure& s, const NeighborList& nl, const Host& host, EipResult<T>& out) const {
        species_.types_of(s.numbers, source_);
        EipWorkspace<T>& ws = thread_workspace<T>();
        const EdipParams<T> p = p_.template as<T>();
        evaluate_atom_kernel<T>(host, nl, [&](Span<T> energy, MatrixView<T> grad) {
            return EdipKernel<T>{span_of(nl.offsets), matrix_of(nl.vectors, 3), p, energy, grad};
        }, out, ws);
    }

    EdipParams<double> p_;
    std::string element_, source_;
    SpeciesTable species_;
};

}  // namespace eipnn
