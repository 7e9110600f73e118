// SOAP power spectrum per atom with exact gradients (entry point of include/eipnn/soap/).
//
// Convention (DScribe's GTO basis, analytic Gaussian-density integrals):
//   Density around centre i, one channel per species Z of the neighbour:
//     rho^Z_i(r) = sum_{j of species Z} w(r_ij) exp(-alpha |r - r_ij|^2),  alpha = 1/(2 sigma^2),
//   over the neighbours within the cutoff AND the centre itself (r_ii = 0, w = 1; as DScribe).
//   w = cosine switch: 1 below rc - width, 0.5 (1 + cos(pi (r - rc + width)/width)) up to rc, 0
//   beyond (C^1 at rc).
//   Radial basis g_nl = sum_n' beta^l_nn' r^l exp(-a_n'l r^2), orthonormal with weight r^2; the
//   grid a_nl is DScribe's, beta = L^-1 of the Cholesky factor of the overlap (DEVIATION from
//   DScribe's S^-1/2, see soap_basis.hpp for why).
//   Coefficients c^Z_nlm(i) = int g_nl(r) Y_lm(r^) rho^Z_i(r) d^3r. With the expansion
//     exp(-alpha |r - r_j|^2) = 4 pi exp(-alpha (r^2 + r_j^2)) sum_lm i_l(2 alpha r r_j) Y_lm(r^) Y_lm(r_j^)
//   and int_0^inf x^{l+2} e^{-p x^2} i_l(c x) dx = sqrt(pi) c^l / (2^{l+2} p^{l+3/2}) e^{c^2/(4p)}:
//     c^Z_nlm(i) = sum_{j of Z} w(r_j) R_lm(r_ij) sum_n' beta^l_nn' A_n'l exp(-B_n'l r_j^2),
//     A_nl = pi^3/2 alpha^l / (alpha + a_nl)^{l+3/2},  B_nl = alpha a_nl / (alpha + a_nl),
//   R_lm = r^l Y_lm the real solid harmonics (solid_harmonics.hpp): no Bessel functions, no
//   quadrature, no division by r.
//   Power spectrum (DScribe's normalisation): p^{Z1 Z2}_{n n' l} = pi sqrt(8/(2l+1)) sum_m
//   c^{Z1}_nlm c^{Z2}_n'lm for channel indices Z1 <= Z2 (order of SoapConfig::species) and n' >= n
//   when Z1 == Z2; features ordered [(Z1,Z2)][n][n'][l], l fastest (252 for one species, n_max 8,
//   l_max 6). Optional l2 normalisation of each atom's spectrum.
//
// Kernels (soap_functors.hpp): one fused pass per centre over its CSR edges accumulating c_i in
// the centre's own row of the saved coefficients, then the contraction; the backward forms dL/dc
// from dL/dP (bilinear, plus the l2 chain rule) and revisits the edges to write dL/dvec. The
// centre's own density does not move with any edge, so it has no position derivative.
//
//   SoapBasis basis = SoapBasis::make(config);
//   SoapSaved<double> saved; std::vector<double> P;
//   soap_fwd(Host{}, batch, basis, saved, P);                         // P (n_atoms, n_features)
//   soap_bwd(Host{}, batch, basis, saved, P, matrix_of(dL_dP, F), dL_dvec);  // (n_edges, 3)
//
// soap_fwd_on / soap_bwd_on are the same for any backend (core/backend.hpp), the batch and the
// tables in its memory (SoapTablesCopy below; on the host the basis's own tables).
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/soap/soap_basis.hpp"
#include "eipnn/soap/soap_config.hpp"
#include "eipnn/soap/soap_functors.hpp"

namespace eipnn {

template <class T, class B = Host>
struct SoapSaved {                 // what soap_bwd needs from soap_fwd, in backend B's memory
    Buffer<B, T> coefficients;     // (n_atoms, n_coefficients)
    Buffer<B, T> norms;            // (n_atoms) l2 only
};

// A basis's tables (one SoapTables block) in backend B's memory, for the functors there; the
// host reads SoapBasis::tables() directly.
template <class B>
struct SoapTablesCopy {
    Buffer<B, SoapTables> block;  // (1)
    SoapTablesCopy(const B& b, const SoapBasis& basis) { upload(b, std::vector<SoapTables>{basis.tables()}, block); }
    const SoapTables* get() const { return block.data(); }
};

// P (n_atoms, n_features) and the saved state, any backend; `t` is the host's tables (sizes),
// `tables` the same in b's memory.
template <class B, class T>
void soap_fwd_on(const B& b, const GraphBatchView& batch, const SoapTables& t, const SoapTables* tables,
                 SoapSaved<T, B>& saved, Buffer<B, T>& P) {
    const index_t n = batch.n_atoms();
    if (std::fabs(batch.cutoff - t.cutoff) > 1e-12 * t.cutoff || batch.numbers.size != n ||
        batch.vectors.size != 3 * batch.n_edges() || batch.distances.size != batch.n_edges() || batch.offsets.size != n + 1)
        throw Error(str("the batch (cutoff ", batch.cutoff, " Å, ", n, " atoms, ", batch.n_edges(),
                        " edges) does not match the SOAP descriptor (cutoff ", t.cutoff, " Å) or is incomplete"),
                    "soap_fwd", "build the batch with make_graph_batch at SoapConfig::cutoff");
    saved.coefficients.resize(std::size_t(n) * std::size_t(t.n_coefficients));
    saved.norms.resize(t.l2 ? std::size_t(n) : 0);
    P.resize(std::size_t(n) * std::size_t(t.n_features));
    const SoapAtomFwd<T> fwd{tables,
                             batch.offsets,
                             batch.neighbors,
                             batch.numbers,
                             matrix_of(batch.vectors, 3),
                             batch.distances,
                             matrix_of(saved.coefficients, t.n_coefficients),
                             matrix_of(P, t.n_features),
                             span_of(saved.norms)};
    // dynamic: an atom's cost follows its neighbour count
    for_each_dynamic(b, n, fwd);
}

// dL/dvec (n_edges, 3), resized, from dL/dP; dL_dc (n_atoms, n_coefficients) is scratch.
template <class B, class T>
void soap_bwd_on(const B& b, const GraphBatchView& batch, const SoapTables& t, const SoapTables* tables,
                 const SoapSaved<T, B>& saved, Span<const T> P, MatrixView<const T> dL_dP, Buffer<B, T>& dL_dc,
                 Buffer<B, T>& dL_dvec) {
    const index_t n = batch.n_atoms();
    if (dL_dP.rows != n || dL_dP.cols != t.n_features)
        throw Error(str("dL_dP is (", dL_dP.rows, ", ", dL_dP.cols, "), expected (", n, ", ", t.n_features, ")"),
                    "soap_bwd", "pass the gradient of the soap_fwd output");
    if (saved.coefficients.size() != std::size_t(n) * std::size_t(t.n_coefficients) ||
        P.size != n * t.n_features || saved.norms.size() != (t.l2 ? std::size_t(n) : 0))
        throw Error("the saved state does not match this batch and basis", "soap_bwd",
                    "call soap_fwd on the same batch and basis first");
    dL_dvec.resize(3 * std::size_t(batch.n_edges()));
    dL_dc.resize(std::size_t(n) * std::size_t(t.n_coefficients));
    const SoapAtomBwd<T> bwd{tables,
                             batch.offsets,
                             batch.neighbors,
                             batch.numbers,
                             matrix_of(batch.vectors, 3),
                             batch.distances,
                             matrix_of(saved.coefficients, t.n_coefficients),
                             matrix_of(P, t.n_features),
                             span_of(saved.norms),
                             dL_dP,
                             matrix_of(dL_dc, t.n_coefficients),
                             matrix_of(dL_dvec, 3)};
    for_each_dynamic(b, n, bwd);
}

// The batch must be built with the descriptor's cutoff and hold only configured species.
inline void soap_check_batch(const GraphBatch& batch, const SoapBasis& basis, const char* where) {
    const SoapTables& t = basis.tables();
    if (std::fabs(batch.cutoff - t.cutoff) > 1e-12 * t.cutoff)
        throw Error(str("the batch's neighbour lists use cutoff ", batch.cutoff, " Å, the SOAP descriptor ",
                        t.cutoff, " Å"),
                    where, "build the neighbour lists with SoapConfig::cutoff");
    for (index_t a = 0; a < batch.n_atoms(); ++a)
        if (t.channel(batch.numbers[std::size_t(a)]) < 0)
            throw Error(str("atom ", a, " has atomic number ", batch.numbers[std::size_t(a)],
                            ", which is not among the SOAP species"),
                        where, "add it to SoapConfig::species");
    if (batch.vectors.size() != 3 * batch.neighbors.size() || batch.distances.size() != batch.neighbors.size() ||
        batch.offsets.size() != batch.numbers.size() + 1)
        throw Error("inconsistent edge arrays", where, "build the batch with make_graph_batch");
}

template <class T>
void soap_fwd(const Host& host, const GraphBatch& batch, const SoapBasis& basis, SoapSaved<T>& saved,
              std::vector<T>& P) {
    soap_check_batch(batch, basis, "soap_fwd");
    soap_fwd_on(host, batch, basis.tables(), &basis.tables(), saved, P);
}

// T is deduced from `saved` alone, so a MatrixView<T> of mutable dL_dP converts to the const view.
template <class T>
struct SoapNonDeduced { using type = T; };

template <class T>
void soap_bwd(const Host& host, const GraphBatch& batch, const SoapBasis& basis, const SoapSaved<T>& saved,
              const std::vector<T>& P, MatrixView<const typename SoapNonDeduced<T>::type> dL_dP,
              std::vector<T>& dL_dvec) {
    soap_check_batch(batch, basis, "soap_bwd");
    const SoapTables& t = basis.tables();
    const index_t n = batch.n_atoms();
    if (dL_dP.rows != n || dL_dP.cols != t.n_features)
        throw Error(str("dL_dP is (", dL_dP.rows, ", ", dL_dP.cols, "), expected (", n, ", ", t.n_features, ")"),
                    "soap_bwd", "pass the gradient of the soap_fwd output");
    if (saved.coefficients.size() != std::size_t(n) * std::size_t(t.n_coefficients) ||
        P.size() != std::size_t(n) * std::size_t(t.n_features) ||
        saved.norms.size() != (t.l2 ? std::size_t(n) : 0))
        throw Error("the saved state does not match this batch and basis", "soap_bwd",
                    "call soap_fwd on the same batch and basis first");
    std::vector<T> dL_dc;
    soap_bwd_on(host, batch, t, &t, saved, span_of(P), dL_dP, dL_dc, dL_dvec);
}

}  // namespace eipnn
