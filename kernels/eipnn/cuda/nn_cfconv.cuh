// SchNet's continuous-filter convolution on the device: the host's per-index functors
// (include/eipnn/nn/cfconv_functors.hpp, radial_basis.hpp, activations.hpp) as grid-stride
// launches, the filter network's GEMMs through cuBLAS. Differences from the host tiles
// (cfconv.hpp), chosen for the device: the whole (pairs, F) first-layer and hidden tensors are
// kept from the forward instead of being recomputed per tile (device memory is not the limit at
// batch sizes that fit), and dL/dW1 is one GEMM with a dense (pairs, K) basis instead of the
// per-window sums (which would need atomics across threads).
#pragma once
#include "eipnn/cuda/backend.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/nn_cublas.cuh"
#include "eipnn/cuda/nn_dense.cuh"
#include "eipnn/cuda/graph_batch.cuh"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/dense_functors.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn::gpu {

// r, fc, fc' per pair (the device twin of PairGeometry).
template <class T>
struct DevicePairGeometry {
    DeviceBuffer<double> r;   // (n_pairs)
    DeviceBuffer<T> fc, dfc_dr;

    void compute(const Cuda& dev, const DeviceGraphBatch& b, double cutoff) {
        r.resize(std::size_t(b.n_pairs));
        fc.resize(std::size_t(b.n_pairs));
        dfc_dr.resize(std::size_t(b.n_pairs));
        for_each(dev, b.n_pairs,
                 PairGeometryFwd<T>{cutoff, b.pair_edge.span(), b.distances.span(), r.span(), fc.span(), dfc_dr.span()});
    }
};

// Each pair's Gaussian window (the device twin of BasisWindowTable).
template <class T>
struct DeviceBasisWindow {
    DeviceBuffer<index_t> first, count;  // (n_pairs)
    DeviceBuffer<T> value, d_dr;         // (n_pairs, width)
    index_t width = 0;

    void compute(const Cuda& dev, const GaussianBasis& basis, const DeviceBuffer<double>& r) {
        const std::size_t n = r.size();
        width = basis.max_window();
        first.resize(n);
        count.resize(n);
        value.resize(n * std::size_t(width));
        d_dr.resize(n * std::size_t(width));
        for_each(dev, index_t(n),
                 BasisWindowFwd<T>{basis, r.span(), first.span(), count.span(), value.matrix(width), d_dr.matrix(width)});
    }
    BasisWindowView<T> view() const { return {first.span(), count.span(), value.matrix(width), d_dr.matrix(width)}; }
};

template <class T>
struct DeviceCfconvSaved {
    DeviceBasisWindow<T> window;
    DeviceBuffer<T> a1;      // (n_pairs, F) first layer before the activation
    DeviceBuffer<T> h1;      // (n_pairs, F) ssp(a1)
    DeviceBuffer<T> filter;  // (n_pairs, F) o
};

// Scratch reused by every block's backward.
template <class T>
struct DeviceCfconvScratch {
    DeviceBuffer<T> dL_do, dL_da1;  // (n_pairs, F)
    DeviceBuffer<T> rbf;            // (n_pairs, K) dense basis for dL/dW1
};

// y (n_atoms, F) from xin (n_atoms, F); fp and all views are device memory.
template <class T>
void cfconv_fwd(const Cuda& dev, const CublasHandle& blas, const DeviceGraphBatch& b,
                const DevicePairGeometry<T>& geom, const GaussianBasis& basis, const FilterParams<T>& fp,
                MatrixView<const T> xin, DeviceCfconvSaved<T>& sv, MatrixView<T> y) {
    const index_t F = fp.W2.cols, P = b.n_pairs;
    sv.window.compute(dev, basis, geom.r);
    for (auto* buf : {&sv.a1, &sv.h1, &sv.filter}) buf->resize(std::size_t(P) * F);
    for_each(dev, P, FilterFirstLayer<T>{sv.window.view(), fp.W1, fp.b1, sv.a1.matrix(F), 0});
    activation_fwd(dev, Activation::ShiftedSoftplus, Span<const T>(sv.a1.span()), sv.h1.span());
    dense_fwd(dev, blas, MatrixView<const T>(sv.h1.matrix(F)), fp.W2, fp.b2, sv.filter.matrix(F));
    for_each(dev, b.n_atoms,
             ConvGather<T>{b.offsets.span(), b.neighbors.span(), b.edge_pair.span(), xin,
                           MatrixView<const T>(sv.filter.matrix(F)), geom.fc.span(), y});
}

// dL/dxin (written), filter gradients (accumulated, device views; null = skipped) and dL/dr per
// pair (accumulated; skipped when null).
template <class T>
void cfconv_bwd(const Cuda& dev, const CublasHandle& blas, const DeviceGraphBatch& b,
                const DevicePairGeometry<T>& geom, const FilterParams<T>& fp, MatrixView<const T> xin,
                const DeviceCfconvSaved<T>& sv, MatrixView<const T> dL_dy, MatrixView<T> dL_dxin,
                const FilterGrads<T>& grads, Span<T> dL_dr, DeviceCfconvScratch<T>& scratch) {
    const index_t F = fp.W2.cols, K = fp.W1.rows, P = b.n_pairs;
    const MatrixView<const T> filter = sv.filter.matrix(F);
    for_each(dev, b.n_atoms,
             ConvGather<T>{b.offsets.span(), b.neighbors.span(), b.edge_pair.span(), dL_dy, filter, geom.fc.span(),
                           dL_dxin});
    if (!grads.any() && !dL_dr.data) return;
    scratch.dL_do.resize(std::size_t(P) * F);
    scratch.dL_da1.resize(std::size_t(P) * F);
    const MatrixView<T> dL_do = scratch.dL_do.matrix(F), dL_da1 = scratch.dL_da1.matrix(F);
    for_each(dev, P,
             FilterOutputGrad<T>{b.pair_edge.span(), b.centers.span(), b.neighbors.span(), xin, dL_dy, filter,
                                 geom.fc.span(), geom.dfc_dr.span(), dL_do, dL_dr, 0});
    // second layer o = h1 W2 + b2
    dense_bwd(dev, blas, MatrixView<const T>(sv.h1.matrix(F)), fp.W2, MatrixView<const T>(dL_do), dL_da1, grads.W2,
              grads.b2);
    activation_bwd(dev, Activation::ShiftedSoftplus, Span<const T>(sv.a1.span()), Span<const T>(scratch.dL_da1.span()),
                   scratch.dL_da1.span());
    if (dL_dr.data)
        for_each(dev, P, FilterFirstLayerBwd<T>{sv.window.view(), fp.W1, MatrixView<const T>(dL_da1), dL_dr,
                                                nullptr, nullptr, 0});
    if (grads.W1.data) {
        scratch.rbf.resize(std::size_t(P) * K);
        for_each(dev, P, BasisWindowToDense<T>{sv.window.view(), scratch.rbf.matrix(K)});
        gemm(blas, MatrixView<const T>(scratch.rbf.matrix(K)), true, MatrixView<const T>(dL_da1), false, grads.W1, true);
    }
    if (grads.b1.data) for_each(dev, F, ColumnSumAdd<T>{MatrixView<const T>(dL_da1), grads.b1});
}

}  // namespace eipnn::gpu
