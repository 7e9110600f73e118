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
// model (energies, forces, every parameter gradient, dL/dr: tests/support/schnet_backend_checks.hpp).
// The backward's scratch is kept per host thread between calls ((pairs, F) device memory on a GPU).
#pragma once
#include "eipnn/core/backend.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

// Scratch of the layer-wise backward, reused by every block.
template <class T, class B>
struct CfconvLayerwiseScratch {
    Buffer<B, T> dL_do, dL_da1;  // (n_pairs, F)
    Buffer<B, T> rbf;            // (n_pairs, K) the dense basis for dL/dW1
};

// y (n_atoms, F) from xin (n_atoms, F); saves a1, h1 and the filter o (before the cutoff).
template <class B, class T>
void cfconv_layerwise_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                          const FilterParams<T>& fp, MatrixView<const T> xin, CfconvSaved<T, B>& sv, MatrixView<T> y) {
    const index_t F = fp.W2.cols, P = batch.n_pairs();
    const BasisWindowView<T> window = pair_window(geom, P, "cfconv_layerwise_fwd");
    for (auto* buf : {&sv.a1, &sv.h1, &sv.filter}) buf->resize(std::size_t(P) * F);
    sv.tabulated = false;
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

// The layer for every backend without a fused overload (the host's are in cfconv.hpp).
template <class B, class T>
void cfconv_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, CfconvSaved<T, B>& sv, MatrixView<T> y) {
    cfconv_layerwise_fwd(b, batch, geom, fp, xin, sv, y);
}
template <class B, class T>
void cfconv_bwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom, const FilterParams<T>& fp,
                MatrixView<const T> xin, const CfconvSaved<T, B>& sv, MatrixView<const T> dL_dy, MatrixView<T> dL_dxin,
                const FilterGrads<T>& grads, Span<T> dL_dr) {
    thread_local CfconvLayerwiseScratch<T, B> scratch;  // (pairs, F) buffers kept between calls
    cfconv_layerwise_bwd(b, batch, geom, fp, xin, sv, dL_dy, dL_dxin, grads, dL_dr, scratch);
}

}  // namespace eipnn
