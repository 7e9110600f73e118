// SchNet's continuous-filter convolution layer by layer, for every backend (core/backend.hpp):
// the Cuda backend runs this, and so does any backend without a hand-fused overload (GenericHost
// in tests, which runs the device's path on the CPU). Same contract and per-index functors as the
// host's fused tiles (cfconv.hpp), with two choices made for a device:
// - the whole (pairs, F) first-layer and hidden tensors a1 and h1 = ssp(a1) are kept from the
//   forward instead of being recomputed per tile (device memory is not the limit at batch sizes
//   that fit; a tile loop is a host cache optimisation);
// - dL/dW1 is one GEMM with a dense (pairs, K) basis instead of per-window sums per group of
//   tiles (which a device would need atomics or a second reduction for).
// The host's fused overloads (cfconv.hpp, taking the Host backend) are preferred wherever they
// apply; tests/unit/test_generic_backend.cpp checks the two against each other through the whole
// model (energies, forces, every parameter gradient, dL/dr: tests/support/schnet_backend_checks.hpp;
// the second order through force training's gradient: tests/support/training_backend_checks.hpp).
// The backward's scratch is kept per host thread between calls ((pairs, F) device memory on a GPU).
// The second order (force training) follows at the end, with the same two choices: the tangents
// a1_dot and h1_dot are kept from the tangent pass, and dL/dW1 is two GEMMs with dense bases.
#pragma once
#include "eipnn/core/backend.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/cfconv_second.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

// Scratch of the layer-wise backward, reused by every block.
template <class T, class B>
struct CfconvLayerwiseScratch {
    Buffer<B, T> dL_do, dL_da1;  // (n_pairs, F)
    Buffer<B, T> rbf;            // (n_pairs, K) the dense basis for dL/dW1
    Buffer<B, T> dL_do_dot, D_dh1, rbf_dot;  // the second backward's: (n_pairs, F), (n_pairs, F), (n_pairs, K)
};

// y (n_atoms, F) from xin (n_atoms, F); saves a1, h1 and the filter o (before the cutoff).
template <class B, class T>
void cfconv_layerwise_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                          const FilterParams<T>& fp, MatrixView<const T> xin, CfconvSaved<T, B>& sv, MatrixView<T> y) {
    const index_t F = fp.W2.cols, P = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, P, "cfconv_layerwise_fwd");
    for (auto* buf : {&sv.a1, &sv.h1, &sv.filter}) buf->resize(std::size_t(P) * F);
    sv.tabulated = sv.filter_dr_kept = false;
    for_each(b, P, FilterFirstLayer<T>{window, fp.W1, fp.b1, matrix_of(sv.a1, F), 0});
    activation_fwd(b, Activation::ShiftedSoftplus, span_of(std::as_const(sv.a1)), span_of(sv.h1));
    dense_fwd(b, matrix_of(std::as_const(sv.h1), F), fp.W2, fp.b2, matrix_of(sv.filter, F));
    const PhaseScope gather("conv gather");
    for_each_dynamic(b, batch.n_atoms(),
                     ConvGather<T>{batch.offsets, batch.neighbors, batch.edge_pair, xin,
                                   matrix_of(std::as_const(sv.filter), F), span_of(geom.fc), y});
}

// dL/dxin (written), filter gradients (accumulated; views with data == nullptr skipped) and dL/dr
// per pair (accumulated; skipped when its data is null).
template <class B, class T>
void cfconv_layerwise_bwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                          const FilterParams<T>& fp, MatrixView<const T> xin, const CfconvSaved<T, B>& sv,
                          MatrixView<const T> dL_dy, MatrixView<T> dL_dxin, const FilterGrads<T>& grads,
                          Span<T> dL_dr, CfconvLayerwiseScratch<T, B>& scratch) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, P = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, P, "cfconv_layerwise_bwd");
    const MatrixView<const T> filter = matrix_of(sv.filter, F);
    {
        const PhaseScope gather("conv gather");
        for_each_dynamic(b, batch.n_atoms(),
                         ConvGather<T>{batch.offsets, batch.neighbors, batch.edge_pair, dL_dy, filter, span_of(geom.fc),
                                       dL_dxin});
    }
    if (!grads.any() && !dL_dr.data) return;
    scratch.dL_do.resize(std::size_t(P) * F);
    scratch.dL_da1.resize(std::size_t(P) * F);
    const MatrixView<T> dL_do = matrix_of(scratch.dL_do, F), dL_da1 = matrix_of(scratch.dL_da1, F);
    for_each(b, P,
             FilterOutputGrad<T>{batch.pair_edge, batch.centers, batch.neighbors, xin, dL_dy, filter, span_of(geom.fc),
                                 span_of(geom.dfc_dr), dL_do, dL_dr, 0});
    // second layer o = h1 W2 + b2, then the activation
    dense_bwd(b, matrix_of(sv.h1, F), fp.W2, MatrixView<const T>(dL_do), dL_da1, grads.W2, grads.b2);
    activation_bwd(b, Activation::ShiftedSoftplus, span_of(sv.a1), span_of(std::as_const(scratch.dL_da1)),
                   span_of(scratch.dL_da1));
    if (dL_dr.data)
        for_each(b, P, FilterFirstLayerBwd<T>{window, fp.W1, MatrixView<const T>(dL_da1), dL_dr, nullptr, nullptr, 0});
    if (grads.W1.data) {
        scratch.rbf.resize(std::size_t(P) * K);
        for_each(b, P, BasisWindowToDense<T>{window, matrix_of(scratch.rbf, K)});
        gemm(b, matrix_of(std::as_const(scratch.rbf), K), true, MatrixView<const T>(dL_da1), false, grads.W1, true);
    }
    if (grads.b1.data) bias_grad_add(b, MatrixView<const T>(dL_da1), grads.b1);
}

// The layer for every backend without a fused overload (the host's are in cfconv.hpp). for_forces
// (the host's cue to keep do/dr) changes nothing here: the layer-wise backward reads the a1 and h1
// it keeps anyway.
template <class B, class T>
void cfconv_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, CfconvSaved<T, B>& sv, MatrixView<T> y, bool /*for_forces*/ = false) {
    cfconv_layerwise_fwd(b, batch, geom, fp, xin, sv, y);
}
template <class B, class T>
void cfconv_bwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, const CfconvSaved<T, B>& sv, MatrixView<const T> dL_dy, MatrixView<T> dL_dxin,
                const FilterGrads<T>& grads, Span<T> dL_dr) {
    thread_local CfconvLayerwiseScratch<T, B> scratch;  // (pairs, F) buffers kept between calls
    cfconv_layerwise_bwd(b, batch, geom, fp, xin, sv, dL_dy, dL_dxin, grads, dL_dr, scratch);
}

// ---- second order (force training; cfconv_second.hpp has the notation) ----------------------
// y_dot (n_atoms, F) from xin_dot (n_atoms, F; data == nullptr: zero) and r_dot (n_pairs); keeps
// a1_dot, h1_dot and the filter's tangent w_dot in `tan`.
template <class B, class T>
void cfconv_layerwise_tangent_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                                  const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                                  const CfconvSaved<T, B>& sv, Span<const T> r_dot, CfconvTangent<T, B>& tan,
                                  MatrixView<T> y_dot) {
    const index_t F = fp.W2.cols, P = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, P, "cfconv_tangent_fwd");
    if (sv.a1.size() != std::size_t(P) * F)
        throw Error("the forward did not keep the filter's first layer", "cfconv_tangent_fwd",
                    "run the layer-wise forward (cfconv_layerwise_fwd) on the same batch first");
    for (auto* buf : {&tan.a1_dot, &tan.h1_dot, &tan.w_dot}) buf->resize(std::size_t(P) * F);
    const MatrixView<T> w_dot = matrix_of(tan.w_dot, F);
    for_each(b, P, FilterFirstLayerTangent<T>{window, fp.W1, r_dot, matrix_of(tan.a1_dot, F), 0});
    activation_tangent(b, Activation::ShiftedSoftplus, span_of(sv.a1), span_of(std::as_const(tan.a1_dot)),
                       span_of(tan.h1_dot));
    // o_dot = h1_dot W2 goes into w_dot's rows, which FilterTangentOut then overwrites element by
    // element (each read before its write)
    dense_tangent_fwd(b, matrix_of(std::as_const(tan.h1_dot), F), fp.W2, w_dot);
    const MatrixView<const T> filter = matrix_of(sv.filter, F);
    for_each(b, P, FilterTangentOut<T>{MatrixView<const T>(w_dot), filter, span_of(geom.fc), span_of(geom.dfc_dr), r_dot,
                                       w_dot, 0});
    const PhaseScope gather("conv gather");
    for_each_dynamic(b, batch.n_atoms(),
                     ConvGatherPair<T>{batch.offsets, batch.neighbors, batch.edge_pair, xin_dot, filter, span_of(geom.fc),
                                       xin, MatrixView<const T>(w_dot), y_dot});
}

// From dL/dy and the force pass's D/dy: dL/dxin (written) and the filter's parameter gradients
// (accumulated; views with data == nullptr skipped).
template <class B, class T>
void cfconv_layerwise_bwd_second(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                                 const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                                 const CfconvSaved<T, B>& sv, const CfconvTangent<T, B>& tan, Span<const T> r_dot,
                                 MatrixView<const T> dL_dy, MatrixView<const T> D_dy, MatrixView<T> dL_dxin,
                                 const FilterGrads<T>& grads, CfconvLayerwiseScratch<T, B>& scratch) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, P = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, P, "cfconv_bwd_second");
    if (tan.a1_dot.size() != std::size_t(P) * F)
        throw Error("the tangent pass did not keep the filter's first layer", "cfconv_bwd_second",
                    "run cfconv_layerwise_tangent_fwd on the same batch first");
    const MatrixView<const T> filter = matrix_of(sv.filter, F), w_dot = matrix_of(tan.w_dot, F);
    {
        const PhaseScope gather("conv gather");
        for_each_dynamic(b, batch.n_atoms(),
                         ConvGatherPair<T>{batch.offsets, batch.neighbors, batch.edge_pair, dL_dy, filter,
                                           span_of(geom.fc), D_dy, w_dot, dL_dxin});
    }
    if (!grads.any()) return;
    for (auto* buf : {&scratch.dL_do, &scratch.dL_do_dot, &scratch.dL_da1, &scratch.D_dh1})
        buf->resize(std::size_t(P) * F);
    const MatrixView<T> dO = matrix_of(scratch.dL_do, F), dOd = matrix_of(scratch.dL_do_dot, F);
    const MatrixView<T> dH = matrix_of(scratch.dL_da1, F), DH = matrix_of(scratch.D_dh1, F);
    for_each(b, P,
             FilterOutputGradSecond<T>{batch.pair_edge, batch.centers, batch.neighbors, xin, xin_dot, dL_dy, D_dy,
                                       span_of(geom.fc), span_of(geom.dfc_dr), r_dot, dO, dOd, 0});
    // o = h1 W2 + b2 through forward and tangent: dW2 += h1^T dL/do + h1_dot^T dL/do_dot, dL/dh1;
    // and the tangent's adjoint D/dh1 = dL/do_dot W2^T
    dense_bwd_second(b, matrix_of(sv.h1, F), matrix_of(tan.h1_dot, F), fp.W2, MatrixView<const T>(dO),
                     MatrixView<const T>(dOd), dH, grads.W2, grads.b2);
    gemm(b, MatrixView<const T>(dOd), false, fp.W2, true, DH, false);
    // dL/da1 and dL/da1_dot, in place
    activation_bwd_second(b, Activation::ShiftedSoftplus, span_of(sv.a1), span_of(tan.a1_dot),
                          span_of(std::as_const(scratch.dL_da1)), span_of(std::as_const(scratch.D_dh1)),
                          span_of(scratch.dL_da1), span_of(scratch.D_dh1));
    // a1 = rbf W1 + b1, a1_dot = (rbf' r_dot) W1
    if (grads.W1.data) {
        scratch.rbf.resize(std::size_t(P) * K);
        scratch.rbf_dot.resize(std::size_t(P) * K);
        for_each(b, P, BasisWindowToDense<T>{window, matrix_of(scratch.rbf, K)});
        for_each(b, P, BasisWindowToDense<T>{window, matrix_of(scratch.rbf_dot, K), r_dot});
        gemm(b, matrix_of(std::as_const(scratch.rbf), K), true, MatrixView<const T>(dH), false, grads.W1, true);
        gemm(b, matrix_of(std::as_const(scratch.rbf_dot), K), true, MatrixView<const T>(DH), false, grads.W1, true);
    }
    if (grads.b1.data) bias_grad_add(b, MatrixView<const T>(dH), grads.b1);
}

// The second order for every backend without a fused overload (the host's: cfconv_second.hpp).
template <class B, class T>
void cfconv_tangent_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                        const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                        const CfconvSaved<T, B>& sv, Span<const T> r_dot, CfconvTangent<T, B>& tan, MatrixView<T> y_dot) {
    cfconv_layerwise_tangent_fwd(b, batch, geom, fp, xin, xin_dot, sv, r_dot, tan, y_dot);
}
template <class B, class T>
void cfconv_bwd_second(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                       const FilterParams<T>& fp, MatrixView<const T> xin, MatrixView<const T> xin_dot,
                       const CfconvSaved<T, B>& sv, const CfconvTangent<T, B>& tan, Span<const T> r_dot,
                       MatrixView<const T> dL_dy, MatrixView<const T> D_dy, MatrixView<T> dL_dxin,
                       const FilterGrads<T>& grads) {
    thread_local CfconvLayerwiseScratch<T, B> scratch;  // (pairs, F) buffers kept between calls
    cfconv_layerwise_bwd_second(b, batch, geom, fp, xin, xin_dot, sv, tan, r_dot, dL_dy, D_dy, dL_dxin, grads, scratch);
}

}  // namespace eipnn
