// Forward-mode tangent (Jacobian-vector product) of the SOAP power spectrum: for a tangent u of
// the edge vectors,
//   Pdot_i = sum over edges e = i -> j of dP_i/dvec_e . u_e          (n_atoms, n_features)
// Force training needs this directional derivative; soap_bwd is its adjoint, so
// sum dL_dP . Pdot == sum dL_dvec . u for any dL_dP (the tests check that identity).
// An edge enters only its centre's coefficients, and the centre's own density does not move, so
// each centre's tangent needs only its own edges and rows: no atomics, deterministic.
//
//   soap_fwd(Host{}, batch, basis, saved, P);
//   soap_tangent_fwd(Host{}, batch, basis, saved, P, matrix_of(u, 3), Pdot);  // (n_atoms, n_features)
// soap_tangent_on is the same for any backend, as soap_fwd_on / soap_bwd_on (soap.hpp).
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/soap/soap.hpp"
#include "eipnn/soap/soap_basis.hpp"
#include "eipnn/soap/soap_power_spectrum.hpp"
#include "eipnn/soap/soap_radial.hpp"
#include "eipnn/soap/solid_harmonics.hpp"

namespace eipnn {

// Pdot_i from the saved c_i and the tangents u_e of the centre's edges:
//   c_dot_i = sum_e d(f_nl(r) R_lm(vec))/dvec . u = (1/r) df_nl/dr (vec . u) R_lm + f_nl (grad R_lm . u)
// in j's channel, then the power spectrum's tangent (with the l2 projection when configured).
// Its stack frame on a GPU (6,160 B per thread in double) is the same per-edge arrays as
// SoapAtomBwd's, kept for the same reason (soap_functors.hpp says what they cost and why).
template <class T>
struct SoapAtomTangent {
    const SoapTables* tables;
    Span<const index_t> offsets;       // (n_atoms + 1)
    Span<const index_t> neighbors;     // (n_edges)
    Span<const int> numbers;           // (n_atoms)
    MatrixView<const double> vectors;  // (n_edges, 3)
    Span<const double> distances;      // (n_edges)
    MatrixView<const T> coefficients;  // (n_atoms, n_coefficients) saved
    MatrixView<const T> P;             // (n_atoms, n_features) the forward's output
    Span<const T> norms;               // (n_atoms) l2 only
    MatrixView<const T> u;             // (n_edges, 3) tangent of the edge vectors
    MatrixView<T> c_dot;               // (n_atoms, n_coefficients) scratch: the coefficients' tangent
    MatrixView<T> Pdot;                // (n_atoms, n_features) out

    EIPNN_HD void operator()(index_t i) const {
        const SoapTables& t = *tables;
        const index_t nlm = (t.l_max + 1) * (t.l_max + 1);
        T* cd = c_dot.row(i);
        // the centre's own Gaussian is fixed, so only the edges below contribute
        for (index_t q = 0; q < t.n_coefficients; ++q) cd[q] = 0;
        T f[kSoapMaxN][kSoapMaxL + 1], df[kSoapMaxN][kSoapMaxL + 1];
        T R[kSoapMaxLM], dR[kSoapMaxLM][3];
        for (index_t e = offsets[i]; e < offsets[i + 1]; ++e) {
            // beyond the cutoff f and df vanish (the switch is C^1 there)
            if (!soap_radial<T>(t, T(distances[e]), f, df)) continue;
            const T x = T(vectors(e, 0)), y = T(vectors(e, 1)), z = T(vectors(e, 2));
            const T ux = u(e, 0), uy = u(e, 1), uz = u(e, 2);
            solid_harmonics<T>(t.norms, t.l_max, x, y, z, R, dR);
            // along u_e: df holds (1/r) df/dr and dr = (vec . u) / r, so df_nl changes f_nl by df (vec . u)
            const T vu = x * ux + y * uy + z * uz;
            T dRu[kSoapMaxLM];
            for (index_t lm = 0; lm < nlm; ++lm) dRu[lm] = dR[lm][0] * ux + dR[lm][1] * uy + dR[lm][2] * uz;
            T* cz = cd + t.channel(numbers[neighbors[e]]) * t.n_max * nlm;
            for (index_t n = 0; n < t.n_max; ++n, cz += nlm)
                for (index_t l = 0; l <= t.l_max; ++l) {
                    const T radial = df[n][l] * vu, fnl = f[n][l];
                    for (index_t lm = l * l; lm < (l + 1) * (l + 1); ++lm) cz[lm] += radial * R[lm] + fnl * dRu[lm];
                }
        }
        if (t.l2) {
            const T norm = norms[i];
            // the forward's guard: a zero spectrum was left at zero, so its tangent is zero too
            soap_power_spectrum_tangent<T>(t, coefficients.row(i), cd, P.row(i), norm > T(0) ? T(1) / norm : T(0),
                                           Pdot.row(i));
        } else {
            soap_power_spectrum_tangent<T>(t, coefficients.row(i), cd, nullptr, T(1), Pdot.row(i));
        }
    }
};

// Pdot (n_atoms, n_features), resized, = the tangent of P along u (n_edges, 3), from the state
// soap_fwd_on saved on the same batch; any backend (core/backend.hpp), every array in its memory
// (`t`: the host's tables, for sizes; `tables`: the same in b's memory). c_dot is scratch.
template <class B, class T>
void soap_tangent_on(const B& b, const GraphBatchView& batch, const SoapTables& t, const SoapTables* tables,
                     const SoapSaved<T, B>& saved, Span<const T> P, MatrixView<const T> u, Buffer<B, T>& c_dot,
                     Buffer<B, T>& Pdot) {
    const index_t n = batch.n_atoms();
    if (u.rows != batch.n_edges() || u.cols != 3)
        throw Error(str("u is (", u.rows, ", ", u.cols, "), expected (", batch.n_edges(), ", 3)"), "soap_tangent_fwd",
                    "pass one tangent vector per edge of the batch");
    if (saved.coefficients.size() != std::size_t(n) * std::size_t(t.n_coefficients) || P.size != n * t.n_features ||
        saved.norms.size() != (t.l2 ? std::size_t(n) : 0))
        throw Error("the saved state does not match this batch and basis", "soap_tangent_fwd",
                    "call soap_fwd on the same batch and basis first");
    Pdot.resize(std::size_t(n) * std::size_t(t.n_features));
    c_dot.resize(std::size_t(n) * std::size_t(t.n_coefficients));
    const SoapAtomTangent<T> tangent{tables,
                                     batch.offsets,
                                     batch.neighbors,
                                     batch.numbers,
                                     matrix_of(batch.vectors, 3),
                                     batch.distances,
                                     matrix_of(saved.coefficients, t.n_coefficients),
                                     matrix_of(P, t.n_features),
                                     span_of(saved.norms),
                                     u,
                                     matrix_of(c_dot, t.n_coefficients),
                                     matrix_of(Pdot, t.n_features)};
    // dynamic: an atom's cost follows its neighbour count
    for_each_dynamic(b, n, tangent);
}

// The host's form, on a SoapBasis. T is deduced from `saved` alone (as in soap_bwd), so a
// MatrixView<T> of mutable u converts to the const view.
template <class T>
void soap_tangent_fwd(const Host& host, const GraphBatch& batch, const SoapBasis& basis, const SoapSaved<T>& saved,
                      const std::vector<T>& P, MatrixView<const typename SoapNonDeduced<T>::type> u,
                      std::vector<T>& Pdot) {
    soap_check_batch(batch, basis, "soap_tangent_fwd");
    std::vector<T> c_dot;
    soap_tangent_on(host, batch, basis.tables(), &basis.tables(), saved, span_of(P), u, c_dot, Pdot);
}

}  // namespace eipnn
