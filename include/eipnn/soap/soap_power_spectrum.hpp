// The power spectrum of one atom's coefficients and its adjoint.
//
//   p^{Z1 Z2}_{n n' l} = pi sqrt(8 / (2l + 1)) sum_m c^{Z1}_{nlm} c^{Z2}_{n'lm}
// for channels Z1 <= Z2 and n' >= n when Z1 == Z2 (DScribe's normalisation); feature order
// [(Z1, Z2)][n][n'][l], l fastest. Coefficient layout c[(Z n_max + n) n_lm + l*l + l + m].
#pragma once
#include "eipnn/soap/soap_basis.hpp"

namespace eipnn {

// P (n_features) from c (n_coefficients).
template <class T>
EIPNN_HD void soap_power_spectrum(const SoapTables& t, const T* c, T* P) {
    const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
    index_t f = 0;
    for (index_t z1 = 0; z1 < t.n_species; ++z1)
        for (index_t z2 = z1; z2 < t.n_species; ++z2)
            for (index_t n = 0; n < t.n_max; ++n)
                for (index_t k = (z1 == z2 ? n : 0); k < t.n_max; ++k) {
                    const T* c1 = c + (z1 * t.n_max + n) * nlm;
                    const T* c2 = c + (z2 * t.n_max + k) * nlm;
                    for (index_t l = 0; l <= t.l_max; ++l) {
                        T acc = 0;
                        for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) acc += c1[lm] * c2[lm];
                        P[f++] = T(t.ps_factor[l]) * acc;
                    }
                }
}

// dL_dc (n_coefficients, overwritten) from dL_dP (n_features) of the raw spectrum. Bilinear:
// each p term sends dL/dp * factor * (the other factor) to both of its coefficients (twice to
// the same one on the diagonal n == n', Z1 == Z2, as d(c^2) = 2 c dc requires).
// With l2 normalisation the caller passes the normalised spectrum P_hat, its dot with dL_dP and
// the norm, and dL/dP_raw = (dL/dP_hat - P_hat (P_hat . dL/dP_hat)) / norm is formed on the fly.
template <class T>
EIPNN_HD void soap_power_spectrum_bwd(const SoapTables& t, const T* c, const T* dL_dP, const T* P_hat, T dot,
                                      T inv_norm, T* dL_dc) {
    const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
    for (index_t q = 0; q < t.n_coefficients; ++q) dL_dc[q] = 0;
    index_t f = 0;
    for (index_t z1 = 0; z1 < t.n_species; ++z1)
        for (index_t z2 = z1; z2 < t.n_species; ++z2)
            for (index_t n = 0; n < t.n_max; ++n)
                for (index_t k = (z1 == z2 ? n : 0); k < t.n_max; ++k) {
                    const index_t o1 = (z1 * t.n_max + n) * nlm, o2 = (z2 * t.n_max + k) * nlm;
                    for (index_t l = 0; l <= t.l_max; ++l, ++f) {
                        T g = dL_dP[f];
                        if (P_hat) g = (g - P_hat[f] * dot) * inv_norm;
                        g *= T(t.ps_factor[l]);
                        for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                            dL_dc[o1 + lm] += g * c[o2 + lm];
                            dL_dc[o2 + lm] += g * c[o1 + lm];
                        }
                    }
                }
}

// dP (n_features, overwritten): the tangent of the spectrum along a tangent dc (n_coefficients)
// of the coefficients. Bilinear, so dp = factor sum_m (dc1 c2 + c1 dc2), which on the diagonal
// n == n', Z1 == Z2 gives the 2 c dc of d(c^2). With l2 normalisation the caller passes the
// normalised spectrum P_hat and 1/norm; the raw tangent is formed first because its projection
// dP_hat = (dP - P_hat (P_hat . dP)) / norm needs the dot over every feature.
template <class T>
EIPNN_HD void soap_power_spectrum_tangent(const SoapTables& t, const T* c, const T* dc, const T* P_hat, T inv_norm,
                                          T* dP) {
    const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
    index_t f = 0;
    for (index_t z1 = 0; z1 < t.n_species; ++z1)
        for (index_t z2 = z1; z2 < t.n_species; ++z2)
            for (index_t n = 0; n < t.n_max; ++n)
                for (index_t k = (z1 == z2 ? n : 0); k < t.n_max; ++k) {
                    const index_t o1 = (z1 * t.n_max + n) * nlm, o2 = (z2 * t.n_max + k) * nlm;
                    for (index_t l = 0; l <= t.l_max; ++l) {
                        T acc = 0;
                        for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                            acc += dc[o1 + lm] * c[o2 + lm] + c[o1 + lm] * dc[o2 + lm];
                        dP[f++] = T(t.ps_factor[l]) * acc;
                    }
                }
    if (P_hat) {
        T dot = 0;
        for (index_t q = 0; q < t.n_features; ++q) dot += P_hat[q] * dP[q];
        for (index_t q = 0; q < t.n_features; ++q) dP[q] = (dP[q] - P_hat[q] * dot) * inv_norm;
    }
}

}  // namespace eipnn
