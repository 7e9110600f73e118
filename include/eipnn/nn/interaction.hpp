// SchNet interaction block (schnetpack's SchNetInteraction):
//   xin = x W_in                       (no bias)
//   y   = cfconv(xin)                  (cfconv.hpp)
//   v   = ssp(y W_o1 + b_o1) W_o2 + b_o2
//   x'  = v (the paper's code: no residual)  or  x + v (residual)
//
// Every pass here, the second-order ones (force training) included, is written once for every
// backend (core/backend.hpp); the cfconv inside picks the host's fused tiles or the layer-wise path.
#pragma once
#include <type_traits>
#include <vector>

#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/cfconv_layerwise.hpp"
#include "eipnn/nn/cfconv_second.hpp"
#include "eipnn/nn/cfconv_table.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/schnet_config.hpp"

namespace eipnn {

// What the backward reads, per block, in backend B's memory.
template <class T, class B = Host>
struct InteractionSaved {
    Buffer<B, T> xin;      // (n_atoms, F) x W_in
    Buffer<B, T> y;        // (n_atoms, F) cfconv output
    Buffer<B, T> a;        // (n_atoms, F) y W_o1 + b_o1
    Buffer<B, T> h;        // (n_atoms, F) ssp(a)
    CfconvSaved<T, B> conv;
};

// The first (force) backward's adjoints of the block's outputs, kept for the second backward
// (nn/second_order.hpp); each (n_atoms, F).
template <class T, class B = Host>
struct InteractionAdjoints {
    Buffer<B, T> dx_out, dh, da, dy, dxin;
};

// The forward's tangent along the edge vectors (force training); each (n_atoms, F), xin_dot empty
// when the block's input is constant (the embedding).
template <class T, class B = Host>
struct InteractionTangent {
    Buffer<B, T> xin_dot, y_dot, a_dot, h_dot;
    CfconvTangent<T, B> conv;
};

// `table` (if given; host only): the block's filter tabulated over r (filter_table.hpp, inference
// only); the backward then follows the table too (sv.conv.tabulated). `for_forces` (host; ignored
// elsewhere): energies and forces follow, so the filter keeps its derivative from the forward
// (cfconv_fwd) and a backward without filter gradients is one pass over the pairs; one with them
// still works (the reverse tiles need only o).
template <class B, class T>
void interaction_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                     const InteractionParams<T>& ip, bool residual, MatrixView<const T> x, InteractionSaved<T, B>& sv,
                     MatrixView<T> x_out, const FilterTable<T>* table = nullptr, bool for_forces = false) {
    const index_t n = x.rows, F = x.cols;
    for (auto* v : {&sv.xin, &sv.y, &sv.a, &sv.h}) v->resize(std::size_t(n) * F);
    const MatrixView<const T> none{};
    dense_fwd(b, x, ip.W_in, none, matrix_of(sv.xin, F));
    if (table) {
        if constexpr (std::is_same_v<B, Host>)
            cfconv_table_fwd(b, batch, geom, *table, matrix_of(std::as_const(sv.xin), F), sv.conv, matrix_of(sv.y, F));
        else
            throw Error("compressed filters run on the Host backend only", "interaction_fwd",
                        "evaluate the exact model on this backend, or the compressed one on the host");
    } else {
        cfconv_fwd(b, batch, geom, ip.filter, matrix_of(std::as_const(sv.xin), F), sv.conv, matrix_of(sv.y, F),
                   for_forces);
    }
    dense_fwd(b, matrix_of(std::as_const(sv.y), F), ip.W_o1, ip.b_o1, matrix_of(sv.a, F));
    activation_fwd(b, Activation::ShiftedSoftplus, span_of(std::as_const(sv.a)), span_of(sv.h));
    dense_fwd(b, matrix_of(std::as_const(sv.h), F), ip.W_o2, ip.b_o2, x_out);
    if (residual) for_each(b, n * F, AddInPlace<T>{Span<T>{x_out.data, n * F}, Span<const T>{x.data, n * F}});
}

// dL_dx (written) from dL_dx_out; parameter gradients accumulated; dL_dr per pair accumulated
// when its data is not null. `scratch` avoids reallocating two (n_atoms, F) buffers per block.
// `keep` (if given) receives the adjoints the second backward reads.
template <class B, class T>
void interaction_bwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                     const InteractionParams<T>& ip, bool residual, MatrixView<const T> x,
                     const InteractionSaved<T, B>& sv, MatrixView<const T> dL_dx_out, MatrixView<T> dL_dx,
                     const InteractionGrads<T>& g, Span<T> dL_dr, Buffer<B, T>& scratch,
                     InteractionAdjoints<T, B>* keep = nullptr) {
    const index_t n = x.rows, F = x.cols;
    scratch.resize(2 * std::size_t(n) * F);
    const MatrixView<T> d_a{scratch.data(), n, F}, d_y{scratch.data() + std::size_t(n) * F, n, F};
    auto c = [](MatrixView<T> m) { return MatrixView<const T>{m.data, m.rows, m.cols}; };
    auto save = [&](Buffer<B, T> InteractionAdjoints<T, B>::*slot, const T* src) {
        if (!keep) return;
        (keep->*slot).resize(std::size_t(n) * F);
        copy(b, Span<const T>{src, n * F}, span_of(keep->*slot));
    };
    // v = h W_o2 + b_o2
    save(&InteractionAdjoints<T, B>::dx_out, dL_dx_out.data);
    dense_bwd(b, matrix_of(sv.h, F), ip.W_o2, dL_dx_out, d_a, g.W_o2, g.b_o2);
    save(&InteractionAdjoints<T, B>::dh, d_a.data);
    activation_bwd(b, Activation::ShiftedSoftplus, span_of(sv.a), Span<const T>{d_a.data, n * F},
                   Span<T>{d_a.data, n * F});
    save(&InteractionAdjoints<T, B>::da, d_a.data);
    dense_bwd(b, matrix_of(sv.y, F), ip.W_o1, c(d_a), d_y, g.W_o1, g.b_o1);
    save(&InteractionAdjoints<T, B>::dy, d_y.data);
    // the conv's input gradient lands in d_a (free again), then through W_in into dL_dx
    // The one pass over the pairs from o and o' where the forward kept o' (a filter table; the
    // host's forward for forces) and no filter gradient is asked for; else the reverse tiles,
    // which need only o (every exact forward keeps it).
    if (sv.conv.tabulated && g.filter.any())
        throw Error("a tabulated filter has no parameter gradients", "interaction_bwd",
                    "compressed filters are for inference; train the exact model (SchNet::drop_compressed_filters)");
    if (sv.conv.filter_dr_kept && !g.filter.any()) {
        if constexpr (std::is_same_v<B, Host>)
            cfconv_table_bwd(b, batch, geom, matrix_of(sv.xin, F), sv.conv, c(d_y), d_a, dL_dr);
        else
            throw Error("compressed filters run on the Host backend only", "interaction_bwd",
                        "evaluate the exact model on this backend, or the compressed one on the host");
    } else {
        cfconv_bwd(b, batch, geom, ip.filter, matrix_of(sv.xin, F), sv.conv, c(d_y), d_a, g.filter, dL_dr);
    }
    save(&InteractionAdjoints<T, B>::dxin, d_a.data);
    dense_bwd(b, x, ip.W_in, c(d_a), dL_dx, g.W_in, MatrixView<T>{});
    if (residual)
        for_each(b, n * F, AddInPlace<T>{Span<T>{dL_dx.data, n * F}, Span<const T>{dL_dx_out.data, n * F}});
}

// ---- second order (force training; nn/second_order.hpp) ---------------------------------------
// The block's tangent: xin_dot = x_dot W_in, y_dot (cfconv_second.hpp on the host,
// cfconv_layerwise.hpp elsewhere), a_dot = y_dot W_o1,
// h_dot = ssp'(a) a_dot, x_out_dot = h_dot W_o2 (+ x_dot). x_dot with data == nullptr is zero.
template <class B, class T>
void interaction_tangent_fwd(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                             const InteractionParams<T>& ip, bool residual, MatrixView<const T> x_dot,
                             const InteractionSaved<T, B>& sv, Span<const T> r_dot, InteractionTangent<T, B>& tan,
                             MatrixView<T> x_out_dot) {
    const index_t n = x_out_dot.rows, F = x_out_dot.cols;
    if (sv.conv.tabulated)
        throw Error("the forward read a filter table, which has no second derivatives in the parameters",
                    "interaction_tangent_fwd", "train on forces with the exact model (SchNet::drop_compressed_filters)");
    MatrixView<const T> xin_dot{};
    if (x_dot.data) {
        tan.xin_dot.resize(std::size_t(n) * F);
        dense_tangent_fwd(b, x_dot, ip.W_in, matrix_of(tan.xin_dot, F));
        xin_dot = matrix_of(std::as_const(tan.xin_dot), F);
    } else {
        tan.xin_dot.resize(0);
    }
    for (auto* v : {&tan.y_dot, &tan.a_dot, &tan.h_dot}) v->resize(std::size_t(n) * F);
    cfconv_tangent_fwd(b, batch, geom, ip.filter, matrix_of(sv.xin, F), xin_dot, sv.conv, r_dot, tan.conv,
                       matrix_of(tan.y_dot, F));
    dense_tangent_fwd(b, matrix_of(std::as_const(tan.y_dot), F), ip.W_o1, matrix_of(tan.a_dot, F));
    activation_tangent(b, Activation::ShiftedSoftplus, span_of(sv.a), span_of(std::as_const(tan.a_dot)),
                       span_of(tan.h_dot));
    dense_tangent_fwd(b, matrix_of(std::as_const(tan.h_dot), F), ip.W_o2, x_out_dot);
    if (residual && x_dot.data)
        for_each(b, n * F, AddInPlace<T>{Span<T>{x_out_dot.data, n * F}, Span<const T>{x_dot.data, n * F}});
}

// The block's second backward: dL_dx (written) from dL_dx_out and the force pass's adjoints;
// parameter gradients accumulated. x_dot as in interaction_tangent_fwd.
template <class B, class T>
void interaction_bwd_second(const B& b, const GraphBatchView& batch, const PairGeometry<T, B>& geom,
                            const InteractionParams<T>& ip, bool residual, MatrixView<const T> x,
                            MatrixView<const T> x_dot, const InteractionSaved<T, B>& sv,
                            const InteractionTangent<T, B>& tan, const InteractionAdjoints<T, B>& adj,
                            Span<const T> r_dot, MatrixView<const T> dL_dx_out, MatrixView<T> dL_dx,
                            const InteractionGrads<T>& g, Buffer<B, T>& scratch) {
    const index_t n = x.rows, F = x.cols;
    scratch.resize(2 * std::size_t(n) * F);
    const MatrixView<T> d_a{scratch.data(), n, F}, d_y{scratch.data() + std::size_t(n) * F, n, F};
    auto c = [](MatrixView<T> m) { return MatrixView<const T>{m.data, m.rows, m.cols}; };
    auto m = [F](const Buffer<B, T>& v) { return matrix_of(v, F); };
    dense_bwd_second(b, m(sv.h), m(tan.h_dot), ip.W_o2, dL_dx_out, m(adj.dx_out), d_a, g.W_o2, g.b_o2);
    activation_bwd_second(b, Activation::ShiftedSoftplus, span_of(sv.a), span_of(tan.a_dot),
                          Span<const T>{d_a.data, n * F}, span_of(adj.dh), Span<T>{d_a.data, n * F}, Span<T>{});
    dense_bwd_second(b, m(sv.y), m(tan.y_dot), ip.W_o1, c(d_a), m(adj.da), d_y, g.W_o1, g.b_o1);
    const MatrixView<const T> xin_dot = tan.xin_dot.size() == 0 ? MatrixView<const T>{} : m(tan.xin_dot);
    cfconv_bwd_second(b, batch, geom, ip.filter, m(sv.xin), xin_dot, sv.conv, tan.conv, r_dot, c(d_y), m(adj.dy), d_a,
                      g.filter);
    dense_bwd_second(b, x, x_dot, ip.W_in, c(d_a), m(adj.dxin), dL_dx, g.W_in, MatrixView<T>{});
    if (residual)
        for_each(b, n * F, AddInPlace<T>{Span<T>{dL_dx.data, n * F}, Span<const T>{dL_dx_out.data, n * F}});
}

}  // namespace eipnn
