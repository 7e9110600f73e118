// One neighbour's radial factors: f_nl(r) = w(r) G_nl(r) and (1/r) df_nl/dr, so that
// d f_nl / d vec = (1/r) df_nl/dr * vec (no division by r in the Gaussian part).
//
// w is the cosine switch: 1 for r < rc - width, 0.5 (1 + cos(pi (r - rc + width) / width)) on
// [rc - width, rc), 0 beyond. Value and slope are continuous at both ends (C^1), so descriptors
// and forces stay continuous as a neighbour crosses the cutoff.
#pragma once
#include <cmath>

#include "eipnn/soap/soap_basis.hpp"

namespace eipnn {

template <class T>
struct SoapSwitch {
    T value;       // w(r)
    T dw_dr_r;     // (1/r) dw/dr
};

template <class T>
EIPNN_HD SoapSwitch<T> soap_switch(const SoapTables& t, T r) {
    const T rc = T(t.cutoff), width = T(t.cutoff_width);
    if (!(r < rc)) return {T(0), T(0)};
    const T start = rc - width;
    if (r < start) return {T(1), T(0)};
    const T k = T(3.14159265358979323846) / width;
    const T x = k * (r - start);
    // r >= rc - width > 0 or r > 0 for an edge: the division by r is safe here
    return {T(0.5) * (T(1) + std::cos(x)), T(-0.5) * k * std::sin(x) / r};
}

// f[n][l] = w G_nl(r); when df is not null, df[n][l] = (1/r) d(w G_nl)/dr. Returns false (and
// leaves f untouched) when the neighbour is beyond the cutoff.
template <class T>
EIPNN_HD bool soap_radial(const SoapTables& t, T r, T (*f)[kSoapMaxL + 1], T (*df)[kSoapMaxL + 1]) {
    const SoapSwitch<T> w = soap_switch(t, r);
    if (w.value == T(0)) return false;
    const T r2 = r * r;
    for (index_t l = 0; l <= t.l_max; ++l) {
        T e[kSoapMaxN];   // exp(-B_n'l r^2)
        T de[kSoapMaxN];  // (1/r) d/dr exp(-B r^2) = -2 B exp(-B r^2)
        for (index_t k = 0; k < t.n_max; ++k) {
            const T B = T(t.radial_exponent[l][k]);
            e[k] = std::exp(-B * r2);
            de[k] = T(-2) * B * e[k];
        }
        for (index_t n = 0; n < t.n_max; ++n) {
            T G = 0, dG = 0;
            // beta is lower triangular: n' <= n
            for (index_t k = 0; k <= n; ++k) {
                const T c = T(t.radial_coef[l][n][k]);
                G += c * e[k];
                dG += c * de[k];
            }
            f[n][l] = w.value * G;
            if (df) df[n][l] = w.dw_dr_r * G + w.value * dG;
        }
    }
    return true;
}

}  // namespace eipnn
