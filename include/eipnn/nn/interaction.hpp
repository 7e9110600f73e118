// SchNet interaction block (schnetpack's SchNetInteraction):
//   xin = x W_in                       (no bias)
//   y   = cfconv(xin)                  (cfconv.hpp)
//   v   = ssp(y W_o1 + b_o1) W_o2 + b_o2
//   x'  = v (the paper's code: no residual)  or  x + v (residual)
#pragma once
#include <vector>

#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/schnet_config.hpp"

namespace eipnn {

// What the backward reads, per block.
template <class T>
struct InteractionSaved {
    std::vector<T> xin;    // (n_atoms, F) x W_in
    std::vector<T> y;      // (n_atoms, F) cfconv output
    std::vector<T> a;      // (n_atoms, F) y W_o1 + b_o1
    std::vector<T> h;      // (n_atoms, F) ssp(a)
    CfconvSaved<T> conv;
};

template <class T>
void interaction_fwd(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom,
                     const GaussianBasis& basis, const InteractionParams<T>& ip, bool residual,
                     MatrixView<const T> x, InteractionSaved<T>& sv, MatrixView<T> x_out) {
    const index_t n = x.rows, F = x.cols;
    for (auto* v : {&sv.xin, &sv.y, &sv.a, &sv.h}) v->resize(std::size_t(n) * F);
    const MatrixView<const T> none{};
    dense_fwd(host, x, ip.W_in, none, matrix_of(sv.xin, F));
    cfconv_fwd(host, batch, geom, basis, ip.filter, matrix_of(std::as_const(sv.xin), F), sv.conv, matrix_of(sv.y, F));
    dense_fwd(host, matrix_of(std::as_const(sv.y), F), ip.W_o1, ip.b_o1, matrix_of(sv.a, F));
    activation_fwd(host, Activation::ShiftedSoftplus, span_of(std::as_const(sv.a)), span_of(sv.h));
    dense_fwd(host, matrix_of(std::as_const(sv.h), F), ip.W_o2, ip.b_o2, x_out);
    if (residual)
        for_each(host, n * F, [=](index_t k) { x_out.data[k] += x.data[k]; });
}

// dL_dx (written) from dL_dx_out; parameter gradients accumulated; dL_dr per pair accumulated
// when its data is not null. `scratch` avoids reallocating two (n_atoms, F) buffers per block.
template <class T>
void interaction_bwd(const Host& host, const GraphBatch& batch, const PairGeometry<T>& geom,
                     const GaussianBasis& basis, const InteractionParams<T>& ip, bool residual,
                     MatrixView<const T> x, const InteractionSaved<T>& sv, MatrixView<const T> dL_dx_out,
                     MatrixView<T> dL_dx, const InteractionGrads<T>& g, Span<T> dL_dr, std::vector<T>& scratch) {
    const index_t n = x.rows, F = x.cols;
    scratch.resize(2 * std::size_t(n) * F);
    const MatrixView<T> d_a{scratch.data(), n, F}, d_y{scratch.data() + std::size_t(n) * F, n, F};
    auto c = [](MatrixView<T> m) { return MatrixView<const T>{m.data, m.rows, m.cols}; };
    // v = h W_o2 + b_o2
    dense_bwd(host, matrix_of(sv.h, F), ip.W_o2, dL_dx_out, d_a, g.W_o2, g.b_o2);
    activation_bwd(host, Activation::ShiftedSoftplus, span_of(sv.a), Span<const T>{d_a.data, n * F},
                   Span<T>{d_a.data, n * F});
    dense_bwd(host, matrix_of(sv.y, F), ip.W_o1, c(d_a), d_y, g.W_o1, g.b_o1);
    // the conv's input gradient lands in d_a (free again), then through W_in into dL_dx
    cfconv_bwd(host, batch, geom, basis, ip.filter, matrix_of(sv.xin, F), sv.conv, c(d_y), d_a, g.filter, dL_dr);
    dense_bwd(host, x, ip.W_in, c(d_a), dL_dx, g.W_in, MatrixView<T>{});
    if (residual)
        for_each(host, n * F, [=](index_t k) { dL_dx.data[k] += dL_dx_out.data[k]; });
}

}  // namespace eipnn
