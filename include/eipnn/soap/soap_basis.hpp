// The SOAP radial basis, built once on the host (long double) and stored as plain arrays
// that functors read through a pointer (host memory here, a device copy in kernels/).
//
// Primitive functions per l: phi_nl(r) = r^l exp(-a_nl r^2), DScribe's GTO grid
//   r_n = linspace(1, rc, n_max),  a_nl = -ln(1e-3 / r_n^l) / r_n^2   (phi decays to 1e-3 at r_n)
// Overlap (weight r^2): S^l_nn' = 0.5 Gamma(l + 3/2) (a_nl + a_n'l)^-(l+3/2).
// (The at most 12 x 12 factorisation is written out here in long double instead of using Eigen,
// whose long double paths warn under nvcc, which compiles this header for the device kernels.)
// Orthonormal functions g_nl = sum_n' beta^l_nn' phi_n'l with beta = L^-1, S = L L^T.
//   DEVIATION from DScribe, which uses the symmetric beta = S^-1/2: S has condition number ~1e7
//   at n_max 8, and S^-1/2 from an eigen-decomposition carries ~1e-9 relative errors that differ
//   between LAPACK builds; a Cholesky factorisation is backward stable and needs no eigensolver.
//   Both span the same space, so the spectra differ by an orthogonal mixing of n, not in content.
//   Precision (measured against 40-digit mpmath, n_max 8): a double Cholesky moves G_nl by up to
//   ~1e-10 relative to max_n |G_nl|; the long double factorisation here by ~1e-13, which is why
//   the basis is built in long double and only then rounded to double.
// With the Gaussian density exp(-alpha |r - r_j|^2), alpha = 1/(2 sigma^2), the projection of one
// neighbour on g_nl Y_lm is closed-form (see soap.hpp):
//   G_nl(r_j) = sum_n' beta^l_nn' A_n'l exp(-B_n'l r_j^2),
//   A_nl = pi^3/2 alpha^l / (alpha + a_nl)^(l+3/2),  B_nl = alpha a_nl / (alpha + a_nl)
// and the coefficient is w(r_j) G_nl(r_j) R_lm(r_j).
#pragma once
#include <cmath>

#include "eipnn/soap/soap_config.hpp"
#include "eipnn/soap/solid_harmonics.hpp"

namespace eipnn {

// Plain-array tables read by the kernels (copied to the device as one block).
struct SoapTables {
    index_t n_max = 0, l_max = 0, n_species = 0;
    index_t n_coefficients = 0, n_features = 0;
    int species[kSoapMaxSpecies];            // atomic number of each channel
    double cutoff = 0, cutoff_width = 0;
    double alpha = 0;                        // 1 / (2 sigma^2)
    int l2 = 0;                              // normalise each atom's spectrum
    double a[kSoapMaxL + 1][kSoapMaxN];      // primitive exponents a_nl
    double beta[kSoapMaxL + 1][kSoapMaxN][kSoapMaxN];        // L^-1 (lower triangular)
    double radial_coef[kSoapMaxL + 1][kSoapMaxN][kSoapMaxN]; // beta^l_nn' A_n'l
    double radial_exponent[kSoapMaxL + 1][kSoapMaxN];        // B_n'l
    double self_coef[kSoapMaxN];             // the centre's own density: G_n0(0) Y_00
    double ps_factor[kSoapMaxL + 1];         // pi sqrt(8 / (2l + 1))
    SolidHarmonicNorms norms;

    // Channel of atomic number z, or -1.
    EIPNN_HD index_t channel(int z) const {
        for (index_t s = 0; s < n_species; ++s)
            if (species[s] == z) return s;
        return -1;
    }
};

// beta = L^-1 with S = L L^T (lower triangular), both n x n; false when S is not positive definite.
inline bool cholesky_inverse(const long double (&S)[kSoapMaxN][kSoapMaxN], index_t n,
                             long double (&beta)[kSoapMaxN][kSoapMaxN]) {
    long double L[kSoapMaxN][kSoapMaxN] = {};
    for (index_t j = 0; j < n; ++j) {
        long double d = S[j][j];
        for (index_t k = 0; k < j; ++k) d -= L[j][k] * L[j][k];
        if (!(d > 0)) return false;
        L[j][j] = std::sqrt(d);
        for (index_t i = j + 1; i < n; ++i) {
            long double v = S[i][j];
            for (index_t k = 0; k < j; ++k) v -= L[i][k] * L[j][k];
            L[i][j] = v / L[j][j];
        }
    }
    // forward substitution, column by column of the identity: L beta = I
    for (index_t c = 0; c < n; ++c)
        for (index_t i = 0; i < n; ++i) {
            long double v = i == c ? 1.0L : 0.0L;
            for (index_t k = c; k < i; ++k) v -= L[i][k] * beta[k][c];
            beta[i][c] = i < c ? 0.0L : v / L[i][i];
        }
    return true;
}

class SoapBasis {
public:
    static SoapBasis make(const SoapConfig& config) {
        config.validate();
        SoapBasis b;
        b.config_ = config;
        SoapTables& t = b.tables_;
        t = SoapTables{};
        t.n_max = config.n_max;
        t.l_max = config.l_max;
        t.n_species = config.n_species();
        t.n_coefficients = config.n_coefficients();
        t.n_features = config.n_features();
        for (index_t s = 0; s < kSoapMaxSpecies; ++s) t.species[s] = s < t.n_species ? config.species[std::size_t(s)] : 0;
        t.cutoff = config.cutoff;
        t.cutoff_width = config.cutoff_width;
        t.l2 = config.normalization == SoapNormalization::l2 ? 1 : 0;
        using LD = long double;
        const LD pi = 3.141592653589793238462643383279502884L;
        const LD alpha = 1.0L / (2.0L * LD(config.sigma) * LD(config.sigma));
        t.alpha = double(alpha);
        t.norms = SolidHarmonicNorms::make();
        const index_t N = config.n_max;
        for (index_t l = 0; l <= config.l_max; ++l) {
            LD a[kSoapMaxN];
            for (index_t n = 0; n < N; ++n) {
                const LD r = N == 1 ? 1.0L : 1.0L + (LD(config.cutoff) - 1.0L) * LD(n) / LD(N - 1);
                a[n] = -std::log(1e-3L / std::pow(r, LD(l))) / (r * r);
                t.a[l][n] = double(a[n]);
            }
            LD S[kSoapMaxN][kSoapMaxN];
            for (index_t n = 0; n < N; ++n)
                for (index_t k = 0; k < N; ++k)
                    S[n][k] = 0.5L * std::tgamma(LD(l) + 1.5L) * std::pow(a[n] + a[k], -(LD(l) + 1.5L));
            LD beta[kSoapMaxN][kSoapMaxN];
            if (!cholesky_inverse(S, N, beta))
                throw Error(str("the overlap matrix of the radial basis for l = ", l, " is not positive definite"),
                            "SoapBasis::make", "use fewer radial functions (n_max) or a larger cutoff");
            LD A[kSoapMaxN];
            for (index_t n = 0; n < N; ++n) {
                A[n] = std::pow(pi, 1.5L) * std::pow(alpha, LD(l)) / std::pow(alpha + a[n], LD(l) + 1.5L);
                t.radial_exponent[l][n] = double(alpha * a[n] / (alpha + a[n]));
            }
            for (index_t n = 0; n < N; ++n)
                for (index_t k = 0; k < N; ++k) {
                    t.beta[l][n][k] = double(beta[n][k]);
                    t.radial_coef[l][n][k] = double(beta[n][k] * A[k]);
                }
            if (l == 0)
                for (index_t n = 0; n < N; ++n) {
                    LD g0 = 0;  // G_n0(0) = sum_n' beta A
                    for (index_t k = 0; k < N; ++k) g0 += beta[n][k] * A[k];
                    t.self_coef[n] = double(g0 / std::sqrt(4.0L * pi));
                }
            t.ps_factor[l] = double(pi * std::sqrt(8.0L / LD(2 * l + 1)));
        }
        return b;
    }

    const SoapConfig& config() const { return config_; }
    const SoapTables& tables() const { return tables_; }
    index_t n_features() const { return tables_.n_features; }
    index_t n_coefficients() const { return tables_.n_coefficients; }  // per atom

private:
    SoapConfig config_;
    SoapTables tables_{};
};

}  // namespace eipnn
