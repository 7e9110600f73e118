// Real solid harmonics R_lm(x, y, z) = r^l Y_lm(r^) for orthonormal real Y_lm, and their
// gradients, as polynomials in x, y, z: no division by r, so they are exact at r = 0.
//
//   R_l0  = N_l0 Q_l^m,   R_lm = sqrt2 N_lm Q_l^m C_m,   R_l,-m = sqrt2 N_lm Q_l^m S_m   (m > 0)
//   N_lm  = sqrt((2l+1)/(4 pi) (l-m)!/(l+m)!)
//   C_m + i S_m = (x + i y)^m                         (C_m = r^m sin^m theta cos m phi)
//   Q_m^m = (2m-1)!!,  Q_{m+1}^m = (2m+1) z Q_m^m,
//   Q_l^m = ((2l-1) z Q_{l-1}^m - (l+m-1) r^2 Q_{l-2}^m) / (l - m)
// so that r^l P_l^m(cos theta) = Q_l^m(z, r^2) (r sin theta)^m. No Condon-Shortley phase:
// R_11 = sqrt(3/(4 pi)) x, R_1,-1 = sqrt(3/(4 pi)) y, R_10 = sqrt(3/(4 pi)) z.
// The l-recurrence is the upward Legendre recurrence, stable for all l used here (<= 9).
// Index of (l, m): l*l + l + m, m in [-l, l].
#pragma once
#include <cmath>

#include "eipnn/core/config.hpp"
#include "eipnn/soap/soap_config.hpp"

namespace eipnn {

// N_lm, times sqrt2 for m != 0, for every (l, m) index up to kSoapMaxL (host and device tables).
struct SolidHarmonicNorms {
    double value[kSoapMaxLM];

    static SolidHarmonicNorms make() {
        SolidHarmonicNorms t{};
        const double pi = 3.14159265358979323846;
        for (index_t l = 0; l <= kSoapMaxL; ++l)
            for (index_t m = 0; m <= l; ++m) {
                double ratio = 1;  // (l-m)!/(l+m)!
                for (index_t k = l - m + 1; k <= l + m; ++k) ratio /= double(k);
                const double n = std::sqrt((2 * l + 1) / (4 * pi) * ratio) * (m == 0 ? 1.0 : std::sqrt(2.0));
                t.value[l * l + l + m] = n;
                t.value[l * l + l - m] = n;
            }
        return t;
    }
};

// R (n_lm) and, when dR is not null, dR (n_lm, 3) = gradient, for l <= l_max.
template <class T>
EIPNN_HD void solid_harmonics(const SolidHarmonicNorms& norms, index_t l_max, T x, T y, T z, T* R, T (*dR)[3]) {
    const T s = x * x + y * y + z * z;
    T C = 1, S = 0, C_prev = 0, S_prev = 0;  // C_m, S_m and C_{m-1}, S_{m-1}
    T Qmm = 1;                               // (2m-1)!!
    for (index_t m = 0; m <= l_max; ++m) {
        if (m > 0) {
            const T c = x * C - y * S, sn = x * S + y * C;
            C_prev = C;
            S_prev = S;
            C = c;
            S = sn;
            Qmm *= T(2 * m - 1);
        }
        // Q_{l-2}, Q_{l-1} and their partial derivatives in z and in s = r^2
        T Q2 = 0, Q2z = 0, Q2s = 0;
        T Q1 = Qmm, Q1z = 0, Q1s = 0;
        for (index_t l = m; l <= l_max; ++l) {
            T Q, Qz, Qs;
            if (l == m) {
                Q = Qmm;
                Qz = 0;
                Qs = 0;
            } else {
                const T a = T(2 * l - 1), b = T(l + m - 1), inv = T(1) / T(l - m);
                Q = (a * z * Q1 - b * s * Q2) * inv;
                Qz = (a * (Q1 + z * Q1z) - b * s * Q2z) * inv;
                Qs = (a * z * Q1s - b * (Q2 + s * Q2s)) * inv;
            }
            if (l > m) {
                Q2 = Q1; Q2z = Q1z; Q2s = Q1s;
            }
            Q1 = Q; Q1z = Qz; Q1s = Qs;
            const index_t c = l * l + l;
            const T n = T(norms.value[c + m]);
            // d/dz of Q(z, x^2 + y^2 + z^2) and d/dx, d/dy through s
            const T dQ_dz = Qz + T(2) * z * Qs, dQ_dx = T(2) * x * Qs, dQ_dy = T(2) * y * Qs;
            if (m == 0) {
                R[c] = n * Q;
                if (dR) {
                    dR[c][0] = n * dQ_dx;
                    dR[c][1] = n * dQ_dy;
                    dR[c][2] = n * dQ_dz;
                }
            } else {
                R[c + m] = n * Q * C;
                R[c - m] = n * Q * S;
                if (dR) {
                    const T mm = T(m);
                    dR[c + m][0] = n * (dQ_dx * C + Q * mm * C_prev);
                    dR[c + m][1] = n * (dQ_dy * C - Q * mm * S_prev);
                    dR[c + m][2] = n * dQ_dz * C;
                    dR[c - m][0] = n * (dQ_dx * S + Q * mm * S_prev);
                    dR[c - m][1] = n * (dQ_dy * S + Q * mm * C_prev);
                    dR[c - m][2] = n * dQ_dz * S;
                }
            }
        }
    }
}

}  // namespace eipnn
