// The per-centre SOAP kernels: one fused pass over a centre's CSR edges (forward), and the
// adjoint pass that writes dL/dvec for each of the centre's own edges (no atomics: every edge is
// written by its centre only). Functors over one atom index, portable to the device.
#pragma once
#include <cmath>

#include "eipnn/core/view.hpp"
#include "eipnn/soap/soap_power_spectrum.hpp"
#include "eipnn/soap/soap_radial.hpp"
#include "eipnn/soap/solid_harmonics.hpp"

namespace eipnn {

// c_i (n_coefficients) = the centre's own Gaussian (species channel of i, l = 0 only, no
// position dependence) + sum over edges e = i -> j of w(r) G_nl(r) R_lm(vec_e) in j's channel,
// then P_i = power spectrum (optionally / |P_i|).
template <class T>
struct SoapAtomFwd {
    const SoapTables* tables;
    Span<const index_t> offsets;     // (n_atoms + 1)
    Span<const index_t> neighbors;   // (n_edges)
    Span<const int> numbers;         // (n_atoms) atomic numbers; every one in the tables (checked on the host)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> distances;    // (n_edges)
    MatrixView<T> coefficients;      // (n_atoms, n_coefficients) out
    MatrixView<T> P;                 // (n_atoms, n_features) out
    Span<T> norms;                   // (n_atoms) out, l2 only

    EIPNN_HD void operator()(index_t i) const {
        const SoapTables& t = *tables;
        const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
        T* c = coefficients.row(i);
        for (index_t q = 0; q < t.n_coefficients; ++q) c[q] = 0;
        const index_t zi = t.channel(numbers[i]);
        for (index_t n = 0; n < t.n_max; ++n) c[(zi * t.n_max + n) * nlm] += T(t.self_coef[n]);
        T f[kSoapMaxN][kSoapMaxL + 1];
        T R[kSoapMaxLM];
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            if (!soap_radial<T>(t, T(distances[e]), f, nullptr)) continue;
            solid_harmonics<T>(t.norms, t.l_max, T(vectors(e, 0)), T(vectors(e, 1)), T(vectors(e, 2)), R, nullptr);
            T* cz = c + t.channel(numbers[neighbors[e]]) * t.n_max * nlm;
            for (index_t n = 0; n < t.n_max; ++n, cz += nlm)
                for (index_t l = 0; l <= t.l_max; ++l) {
                    const T g = f[n][l];
                    for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) cz[lm] += g * R[lm];
                }
        }
        T* p = P.row(i);
        soap_power_spectrum<T>(t, c, p);
        if (t.l2) {
            T s = 0;
            for (index_t k = 0; k < t.n_features; ++k) s += p[k] * p[k];
            const T norm = std::sqrt(s);
            norms[i] = norm;
            // an all-zero spectrum cannot happen (the centre's own density is in it); guard anyway
            const T inv = norm > T(0) ? T(1) / norm : T(0);
            for (index_t k = 0; k < t.n_features; ++k) p[k] *= inv;
        }
    }
};

// dL_dvec(e) = dL/d(vec_e) for each edge e of centre i, from dL/dP_i and the saved c_i.
// The stack frame (ptxas, sm_80 and sm_90: 6,160 B per thread for double, no spills) is the
// per-edge arrays below, sized by the compile-time maxima kSoapMaxN = 12, kSoapMaxL = 9: f and df
// (960 B each), R (800 B), dR (2,400 B), K (800 B), soap_radial's scratch (192 B). Runtime loop
// bounds index them, so they sit in local memory. Why: per edge, each f_nl (a sum of exps) is
// read by its 2l + 1 m's and each R_lm by the n_max radial channels, so keeping them evaluates
// each factor once per edge instead of repeating the exps (2l + 1) times or the harmonic
// recurrence n_max times. GPU cost: local memory is cached in L1/L2 and coalesced across a warp;
// only about 2.9 KB per thread is touched at the paper's n_max 8, l_max 6, rewritten per edge,
// so with two blocks of 256 threads per SM these accesses are served largely by L2. The
// alternative, a group of lanes per edge with its factors in shared memory and lanes over
// (n, l, m), would be a device-only twin of a functor the host shares; not done before a GPU
// run (bench_device, ncu's local-memory counters) says this traffic is the limit.
template <class T>
struct SoapAtomBwd {
    const SoapTables* tables;
    Span<const index_t> offsets;       // (n_atoms + 1)
    Span<const index_t> neighbors;     // (n_edges)
    Span<const int> numbers;           // (n_atoms)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> distances;      // (n_edges)
    MatrixView<const T> coefficients;  // (n_atoms, n_coefficients) saved
    MatrixView<const T> P;             // (n_atoms, n_features) the forward's output
    Span<const T> norms;               // (n_atoms) l2 only
    MatrixView<const T> dL_dP;         // (n_atoms, n_features)
    MatrixView<T> dL_dc;               // (n_atoms, n_coefficients) scratch
    MatrixView<T> dL_dvec;             // (n_edges, 3) out

    EIPNN_HD void operator()(index_t i) const {
        const SoapTables& t = *tables;
        const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
        T* g = dL_dc.row(i);
        const T* gP = dL_dP.row(i);
        if (t.l2) {
            const T* p = P.row(i);
            T dot = 0;
            for (index_t k = 0; k < t.n_features; ++k) dot += p[k] * gP[k];
            const T norm = norms[i];
            soap_power_spectrum_bwd<T>(t, coefficients.row(i), gP, p, dot, norm > T(0) ? T(1) / norm : T(0), g);
        } else {
            soap_power_spectrum_bwd<T>(t, coefficients.row(i), gP, nullptr, T(0), T(1), g);
        }
        T f[kSoapMaxN][kSoapMaxL + 1], df[kSoapMaxN][kSoapMaxL + 1];
        T R[kSoapMaxLM], dR[kSoapMaxLM][3];
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            if (!soap_radial<T>(t, T(distances[e]), f, df)) {
                dL_dvec(e, 0) = dL_dvec(e, 1) = dL_dvec(e, 2) = T(0);
                continue;
            }
            solid_harmonics<T>(t.norms, t.l_max, x, y, z, R, dR);
            const T* gz = g + t.channel(numbers[neighbors[e]]) * t.n_max * nlm;
            // d/dvec sum_{n,lm} g_nlm f_nl R_lm = sum_nl H_nl df_nl vec + sum_lm K_lm dR_lm,
            // H_nl = sum_m g_nlm R_lm, K_lm = sum_n g_nlm f_nl
            T radial = 0;  // sum_nl H_nl df_nl
            T K[kSoapMaxLM];
            for (index_t lm = 0; lm < nlm; ++lm) K[lm] = 0;
            for (index_t n = 0; n < t.n_max; ++n, gz += nlm)
                for (index_t l = 0; l <= t.l_max; ++l) {
                    T H = 0;
                    const T fnl = f[n][l];
                    for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                        H += gz[lm] * R[lm];
                        K[lm] += gz[lm] * fnl;
                    }
                    radial += H * df[n][l];
                }
            T gx = radial * x, gy = radial * y, gzz = radial * z;
            for (index_t lm = 0; lm < nlm; ++lm) {
                gx += K[lm] * dR[lm][0];
                gy += K[lm] * dR[lm][1];
                gzz += K[lm] * dR[lm][2];
            }
            dL_dvec(e, 0) = gx;
            dL_dvec(e, 1) = gy;
            dL_dvec(e, 2) = gzz;
        }
    }
};

}  // namespace eipnn
