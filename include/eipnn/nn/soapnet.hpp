// SOAPNet, the paper's second model (configuration and layer sizes in soapnet_config.hpp):
//   P_i   = SOAP power spectrum of atom i                              (soap/soap.hpp, D values)
//   x^0_i = (P_i - mean) * inv_std                                     fixed, set from training data
//   x^l_i = ssp(x^{l-1}_i W_l + b_l),  l = 1..L                        the backbone (width H)
//   E_g   = scale * sum_i [ssp(x^L_i W1 + b1) W2 + b2] + sum_i ref[Z_i]   per head (readout.hpp)
// plus an optional classifier head (sum of x^L per graph -> BatchNorm -> MLP -> K+1 logits).
//
// The model interface (heads, classifier, forces, transfer, copies, casts) is nn/model.hpp's;
// this file adds the backbone and its fixed input standardisation (fit_inputs). forward() saves
// what backward() needs in SoapNetForward; backward() turns dL/dE per graph (and head) into
// parameter gradients and/or dL/d(r_j - r_i) per edge through soap_bwd.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/nn/model.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/readout.hpp"
#include "eipnn/nn/readout_functors.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/soapnet_config.hpp"
#include "eipnn/soap/soap.hpp"
#include "eipnn/soap/soap_tangent.hpp"

namespace eipnn {

// z.row(i) = (P.row(i) - mean) * inv_std, in double then rounded to T   per atom i
template <class T>
struct StandardizeRows {
    MatrixView<const T> P;        // (n_atoms, D)
    Span<const double> mean;      // (D)
    Span<const double> inv_std;   // (D)
    MatrixView<T> z;              // (n_atoms, D) out

    EIPNN_HD void operator()(index_t i) const {
        for (index_t c = 0; c < P.cols; ++c) z(i, c) = T((double(P(i, c)) - mean[c]) * inv_std[c]);
    }
};

// dL_dP.row(i) = dL_dz.row(i) * inv_std   per atom i
template <class T>
struct StandardizeRowsBwd {
    MatrixView<const T> dL_dz;    // (n_atoms, D)
    Span<const double> inv_std;   // (D)
    MatrixView<T> dL_dP;          // (n_atoms, D) out

    EIPNN_HD void operator()(index_t i) const {
        for (index_t c = 0; c < dL_dz.cols; ++c) dL_dP(i, c) = T(double(dL_dz(i, c)) * inv_std[c]);
    }
};

// What the backward reads, in backend B's memory (the host's: std::vectors).
template <class T, class B = Host>
struct SoapNetForward {
    Buffer<B, index_t> species;                  // (n_atoms)
    SoapSaved<T, B> soap;                        // what soap_bwd needs (valid when has_soap)
    bool has_soap = false;                       // false after forward_descriptors (no position gradients)
    Buffer<B, T> P;                              // (n_atoms, D) descriptors
    std::vector<Buffer<B, T>> x;                 // L + 1: x[0] (n_atoms, D) standardised, x[l] (n_atoms, H)
    std::vector<Buffer<B, T>> a;                 // L of (n_atoms, H) pre-activations
    std::vector<AtomwiseHeadSaved<T, B>> heads;  // n_heads
    Buffer<B, double> energies;                  // (n_graphs, n_heads)
};

// What SOAPNet's passes read of a model, wherever its parameters live: the host model's own
// (SoapNet::weights) or a copy (SoapNetCopy below). params, tables, input_mean/inv_std and
// head_ref in the backend's memory; `host_tables` is the host's copy (sizes).
template <class T>
struct SoapNetWeights {
    const SoapNetConfig& config;
    const SoapTables& host_tables;
    const SoapTables* tables;
    Span<const double> input_mean, input_inv_std;  // (D)
    const std::vector<double>& head_scale;         // (n_heads), host
    ParameterViews<const T> params;
    Span<const double> head_ref;                   // (n_heads, n_species)

    index_t n_descriptors() const { return host_tables.n_features; }
    MatrixView<const T> layer_W(index_t l) const { return params.view(soapnet_layer_prefix(l) + "W"); }
    MatrixView<const T> layer_b(index_t l) const { return params.view(soapnet_layer_prefix(l) + "b"); }
};

// Reused buffers of the backward pass, in backend B's memory.
template <class T, class B = Host>
struct SoapNetBackwardWork {
    Buffer<B, T> d_next, d_prev, scratch, dL_dP, dL_dc;
    Buffer<B, double> staging;
};

// ---- the passes, written once for every backend (core/backend.hpp) --------------------------
// Standardisation, backbone, heads; fw.P (n_atoms, D) and fw.species set.
template <class B, class T>
void soapnet_mlp_forward(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch, SoapNetForward<T, B>& fw) {
    const index_t n = batch.n_atoms(), D = w.n_descriptors(), H = w.config.hidden, L = w.config.n_backbone_layers;
    if (w.input_mean.size != D || w.input_inv_std.size != D)
        throw Error(str("input standardisation has ", w.input_mean.size, " / ", w.input_inv_std.size,
                        " values, the descriptors ", D),
                    "SoapNet::forward", "set input_mean and input_inv_std with fit_inputs");
    fw.x.resize(std::size_t(L) + 1);
    fw.a.resize(std::size_t(L));
    fw.x[0].resize(std::size_t(n) * D);
    for_each(b, n,
             StandardizeRows<T>{matrix_of(std::as_const(fw.P), D), w.input_mean, w.input_inv_std, matrix_of(fw.x[0], D)});
    for (index_t l = 0; l < L; ++l) {
        Buffer<B, T>& a = fw.a[std::size_t(l)];
        Buffer<B, T>& y = fw.x[std::size_t(l) + 1];
        a.resize(std::size_t(n) * H);
        y.resize(std::size_t(n) * H);
        dense_fwd(b, matrix_of(std::as_const(fw.x[std::size_t(l)]), l == 0 ? D : H), w.layer_W(l), w.layer_b(l),
                  matrix_of(a, H));
        activation_fwd(b, Activation::ShiftedSoftplus, span_of(std::as_const(a)), span_of(y));
    }
    energy_heads_fwd(b, batch, w.params, span_of(std::as_const(fw.species)), w.head_scale, w.head_ref,
                     matrix_of(std::as_const(fw.x.back()), H), fw.heads, fw.energies);
}

// Descriptors, backbone and heads; fw.species set by the caller (species_indices), in b's memory.
template <class B, class T>
void soapnet_forward(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch, SoapNetForward<T, B>& fw) {
    if (index_t(fw.species.size()) != batch.n_atoms())
        throw Error(str("fw.species holds ", fw.species.size(), " entries for ", batch.n_atoms(), " atoms"),
                    "soapnet_forward",
                    "set it with species_indices(config.species, batch numbers) in the backend's memory first");
    soap_fwd_on(b, batch, w.host_tables, w.tables, fw.soap, fw.P);
    fw.has_soap = true;
    soapnet_mlp_forward(b, w, batch, fw);
}

// Backward from dL/dE (n_graphs, n_heads; host memory), plus optionally dL/dx^L (n_atoms, H; b's
// memory, data null = none): parameter gradients accumulated into `grads` (if it has data),
// dL/d(r_j - r_i) per edge (n_edges, 3) written into *dL_dvec (if given; needs the SOAP state),
// and the adjoints the second backward reads kept in *keep_dx / *keep_da (if given).
template <class B, class T>
void soapnet_backward(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch,
                      const SoapNetForward<T, B>& fw, Span<const double> dL_dE, ParameterViews<T> grads,
                      Buffer<B, T>* dL_dvec, Span<const T> dL_dx_extra, SoapNetBackwardWork<T, B>& work,
                      std::vector<Buffer<B, T>>* keep_dx = nullptr, std::vector<Buffer<B, T>>* keep_da = nullptr) {
    const char* where = "SoapNet::backward";
    const index_t n = batch.n_atoms(), H = w.config.hidden, D = w.n_descriptors(), G = batch.n_graphs(),
                  K = w.config.n_heads, L = w.config.n_backbone_layers;
    if (dL_dE.size != G * K) throw Error(str("dL_dE has ", dL_dE.size, " values, need n_graphs * n_heads = ", G * K), where);
    if (dL_dvec && !fw.has_soap)
        throw Error("position gradients need the SOAP state of forward()", where,
                    "run forward(), not forward_descriptors(), before asking for dL_dvec");
    Buffer<B, T>&d_next = work.d_next, &d_prev = work.d_prev;
    d_next.resize(std::size_t(n) * H);
    if (dL_dx_extra.data) {
        if (dL_dx_extra.size != n * H)
            throw Error(str("dL_dx_extra has ", dL_dx_extra.size, " values, need n_atoms * hidden = ", n * H), where);
        copy(b, dL_dx_extra, span_of(d_next));
    } else {
        zero(b, span_of(d_next));
    }
    energy_heads_bwd(b, batch, w.params, w.head_scale, matrix_of(std::as_const(fw.x.back()), H), fw.heads, dL_dE, grads,
                     matrix_of(d_next, H), work.scratch, work.staging);
    if (keep_dx) keep_dx->resize(std::size_t(L));
    if (keep_da) keep_da->resize(std::size_t(L));
    auto keep = [&](std::vector<Buffer<B, T>>* into, index_t l) {
        if (!into) return;
        Buffer<B, T>& dst = (*into)[std::size_t(l)];
        dst.resize(d_next.size());
        copy(b, span_of(std::as_const(d_next)), span_of(dst));
    };
    for (index_t l = L - 1; l >= 0; --l) {
        const index_t in = l == 0 ? D : H;
        keep(keep_dx, l);
        // dL/da_l = dL/dx_{l+1} * ssp'(a_l), in place
        activation_bwd(b, Activation::ShiftedSoftplus, span_of(fw.a[std::size_t(l)]), span_of(std::as_const(d_next)),
                       span_of(d_next));
        keep(keep_da, l);
        const bool need_dx = l > 0 || dL_dvec;  // the standardised input's gradient only feeds forces
        d_prev.resize(need_dx ? std::size_t(n) * in : 0);
        zero(b, span_of(d_prev));
        const std::string p = soapnet_layer_prefix(l);
        dense_bwd(b, matrix_of(fw.x[std::size_t(l)], in), w.layer_W(l), matrix_of(std::as_const(d_next), H),
                  need_dx ? matrix_of(d_prev, in) : MatrixView<T>{}, grads.view(p + "W"), grads.view(p + "b"));
        std::swap(d_next, d_prev);
    }
    if (!dL_dvec) return;
    work.dL_dP.resize(std::size_t(n) * D);
    for_each(b, n,
             StandardizeRowsBwd<T>{matrix_of(std::as_const(d_next), D), w.input_inv_std, matrix_of(work.dL_dP, D)});
    soap_bwd_on(b, batch, w.host_tables, w.tables, fw.soap, span_of(fw.P), matrix_of(std::as_const(work.dL_dP), D),
                work.dL_dc, *dL_dvec);
}

// The force pass's adjoints of every backbone layer (nn/second_order.hpp): of its output x_{l+1}
// and of its pre-activation a_l, each (n_atoms, H). The second backward's tangents and scratch are
// kept too, so their buffers are not reallocated every batch. In backend B's memory.
template <class T, class B = Host>
struct SoapNetForceAdjoints {
    std::vector<Buffer<B, T>> dx, da;        // n_backbone_layers
    Buffer<B, T> P_dot, c_dot;               // (n_atoms, D), (n_atoms, n_coefficients)
    std::vector<Buffer<B, T>> x_dot, a_dot;  // L + 1 and L
    AtomwiseHeadTangent<T, B> head;
    Buffer<B, T> d_next, d_prev, scratch;
    Buffer<B, double> staging;
};

// ---- second order (force training; nn/second_order.hpp), for every backend ---------------------
// The force pass: dE/d(r_j - r_i) per edge (n_edges, 3) of head 0 (every graph's seed 1),
// keeping the adjoints that second_backward reads.
template <class B, class T>
void force_pass(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch, const SoapNetForward<T, B>& fw,
                SoapNetForceAdjoints<T, B>& adj, SoapNetBackwardWork<T, B>& work, Buffer<B, T>& dE_dvec) {
    const std::vector<double> seed = head0_seed(batch.n_graphs(), w.config.n_heads);
    soapnet_backward(b, w, batch, fw, span_of(seed), ParameterViews<T>{}, &dE_dvec, Span<const T>{}, work, &adj.dx,
                     &adj.da);
}

// Parameter gradients (accumulated into grads) of sum dL/dE E + sum_e u_e . dE/dvec_e, dL/dE
// (n_graphs, n_heads) in host memory, u (n_edges, 3; b's memory) the loss's gradient with respect
// to the force pass's dE_dvec. The descriptors do not depend on the parameters: only their
// tangent along u enters (soap_tangent_on).
template <class B, class T>
void second_backward(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch,
                     const SoapNetForward<T, B>& fw, SoapNetForceAdjoints<T, B>& adj, Span<const double> dL_dE,
                     MatrixView<const T> u, ParameterViews<T> grads) {
    const char* where = "SoapNet::backward_second";
    const index_t n = batch.n_atoms(), H = w.config.hidden, D = w.n_descriptors(), L = w.config.n_backbone_layers;
    if (!fw.has_soap) throw Error("force training needs the SOAP state of forward()", where);
    if (dL_dE.size != batch.n_graphs() * w.config.n_heads || index_t(adj.dx.size()) != L ||
        index_t(adj.da.size()) != L)
        throw Error("dL_dE or the force pass's adjoints do not match this batch and model", where,
                    "run force_backward on the same forward first");
    if (!grads) throw Error("no gradient buffer", where, "pass the buffer to accumulate the parameter gradients into");
    // tangents: x_dot[0] = P_dot * inv_std (the standardisation is linear), then per layer
    soap_tangent_on(b, batch, w.host_tables, w.tables, fw.soap, span_of(fw.P), u, adj.c_dot, adj.P_dot);
    adj.x_dot.resize(std::size_t(L) + 1);
    adj.a_dot.resize(std::size_t(L));
    adj.x_dot[0].resize(std::size_t(n) * D);
    for_each(b, n,
             StandardizeRowsBwd<T>{matrix_of(std::as_const(adj.P_dot), D), w.input_inv_std, matrix_of(adj.x_dot[0], D)});
    for (index_t l = 0; l < L; ++l) {
        const std::size_t k = std::size_t(l);
        adj.a_dot[k].resize(std::size_t(n) * H);
        adj.x_dot[k + 1].resize(std::size_t(n) * H);
        dense_tangent_fwd(b, matrix_of(std::as_const(adj.x_dot[k]), l == 0 ? D : H), w.layer_W(l),
                          matrix_of(adj.a_dot[k], H));
        activation_tangent(b, Activation::ShiftedSoftplus, span_of(fw.a[k]), span_of(std::as_const(adj.a_dot[k])),
                           span_of(adj.x_dot[k + 1]));
    }
    const MatrixView<const T> features_dot = matrix_of(std::as_const(adj.x_dot.back()), H);
    energy_head0_tangent_fwd(b, w.params, features_dot, fw.heads, adj.head);
    Buffer<B, T>&d_next = adj.d_next, &d_prev = adj.d_prev;
    d_next.resize(std::size_t(n) * H);
    zero(b, span_of(d_next));
    energy_heads_bwd_second(b, batch, w.params, w.head_scale, matrix_of(std::as_const(fw.x.back()), H), features_dot,
                            fw.heads, adj.head, dL_dE, grads, matrix_of(d_next, H), adj.scratch, adj.staging);
    for (index_t l = L - 1; l >= 0; --l) {
        const std::size_t k = std::size_t(l);
        const index_t in = l == 0 ? D : H;
        activation_bwd_second(b, Activation::ShiftedSoftplus, span_of(fw.a[k]), span_of(std::as_const(adj.a_dot[k])),
                              span_of(std::as_const(d_next)), span_of(std::as_const(adj.dx[k])), span_of(d_next),
                              Span<T>{});
        d_prev.resize(l > 0 ? std::size_t(n) * in : 0);
        zero(b, span_of(d_prev));
        const std::string p = soapnet_layer_prefix(l);
        dense_bwd_second(b, matrix_of(fw.x[k], in), matrix_of(std::as_const(adj.x_dot[k]), in), w.layer_W(l),
                         matrix_of(std::as_const(d_next), H), matrix_of(std::as_const(adj.da[k]), H),
                         l > 0 ? matrix_of(d_prev, in) : MatrixView<T>{}, grads.view(p + "W"), grads.view(p + "b"));
        std::swap(d_next, d_prev);
    }
}

// The passes under the names every model gives them (train/batch_step.hpp trains through these;
// force_pass and second_backward, the second order, are above; energy_forces_pass, for evaluation,
// follows the energies-and-forces function below).
template <class B, class T>
void forward_pass(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch, SoapNetForward<T, B>& fw) {
    soapnet_forward(b, w, batch, fw);
}
template <class B, class T>
void parameter_backward(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch,
                        const SoapNetForward<T, B>& fw, Span<const double> dL_dE, ParameterViews<T> grads,
                        SoapNetBackwardWork<T, B>& work) {
    soapnet_backward(b, w, batch, fw, dL_dE, grads, static_cast<Buffer<B, T>*>(nullptr), Span<const T>{}, work);
}

// Energies of every head (fw.energies), head 0's forces and virials (out): the forward, the
// backward seeded with 1 per graph on head 0, the edge gather. Any backend.
template <class B, class T>
void soapnet_energy_forces(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch,
                           SoapNetForward<T, B>& fw, SoapNetBackwardWork<T, B>& work, ForceBuffers<T, B>& out) {
    soapnet_forward(b, w, batch, fw);
    const std::vector<double> seed = head0_seed(batch.n_graphs(), w.config.n_heads);
    soapnet_backward(b, w, batch, fw, span_of(seed), ParameterViews<T>{}, &out.dE_dvec, Span<const T>{}, work);
    edge_gradients_to_forces(b, batch, matrix_of(std::as_const(out.dE_dvec), 3), out.forces, out.per_atom_virial,
                             out.virial);
}

template <class B, class T>
void energy_forces_pass(const B& b, const SoapNetWeights<T>& w, const GraphBatchView& batch, SoapNetForward<T, B>& fw,
                        SoapNetBackwardWork<T, B>& work, ForceBuffers<T, B>& out) {
    soapnet_energy_forces(b, w, batch, fw, work, out);
}

// Relative floor of the input standard deviations (SoapNet::fit_inputs says why).
inline constexpr double kSoapStdFloor = 1e-3;

template <class T, class B>
class SoapNetCopy;

template <class T>
class SoapNet : public ModelBase<SoapNet<T>, T, SoapNetConfig> {
    using Base = ModelBase<SoapNet<T>, T, SoapNetConfig>;

public:
    using Forward = SoapNetForward<T>;
    using BackwardWork = SoapNetBackwardWork<T>;
    using ForceAdjoints = SoapNetForceAdjoints<T>;
    template <class U>
    using Rebind = SoapNet<U>;
    // The passes' state and a copy of the model in backend B's memory (train/batch_step.hpp
    // trains through them on any backend).
    template <class B>
    struct On {
        using Forward = SoapNetForward<T, B>;
        using BackwardWork = SoapNetBackwardWork<T, B>;
        using ForceAdjoints = SoapNetForceAdjoints<T, B>;
        using Copy = SoapNetCopy<T, B>;
    };
    static constexpr const char* kind = "soapnet";
    using Base::config;
    using Base::params;

    SoapBasis basis;                     // built from config.soap_config()
    std::vector<double> input_mean;      // (D) fixed standardisation, set by fit_inputs
    std::vector<double> input_inv_std;   // (D)

    explicit SoapNet(const SoapNetConfig& cfg = {}, unsigned seed = 42)
        : Base(cfg), basis(SoapBasis::make(config.soap_config())) {
        const index_t D = n_descriptors(), H = config.hidden;
        for (index_t l = 0; l < config.n_backbone_layers; ++l) {
            this->layout.add(layer_prefix(l) + "W", l == 0 ? D : H, H);
            this->layout.add(layer_prefix(l) + "b", 1, H);
        }
        input_mean.assign(std::size_t(D), 0.0);
        input_inv_std.assign(std::size_t(D), 1.0);
        this->finish_layout(H, seed);
    }

    static std::string layer_prefix(index_t l) { return soapnet_layer_prefix(l); }
    index_t n_descriptors() const { return basis.n_features(); }  // D

    // The non-trained state, by name (checkpoints, text weights, casts, backbone transfer).
    template <class F>
    void visit_fixed_arrays(F&& f) {
        f("input_mean", input_mean);
        f("input_inv_std", input_inv_std);
    }
    template <class F>
    void visit_fixed_arrays(F&& f) const {
        f("input_mean", input_mean);
        f("input_inv_std", input_inv_std);
    }

    // Values that follow from the configuration, written beside it for readers of the weights.
    template <class F>
    void visit_derived_fields(F&& f) const {
        f("descriptors", n_descriptors());
    }

    // The passes' view of this model (host memory).
    SoapNetWeights<T> weights() const {
        return {config, basis.tables(), &basis.tables(), span_of(input_mean), span_of(input_inv_std), this->head_scale,
                params.views(), span_of(this->head_ref)};
    }

    // What the passes need before a forward: the batch checked against the model, fw.species set.
    void prepare_forward(const GraphBatch& batch, SoapNetForward<T>& fw) const {
        this->check_batch_cutoff(batch, "SoapNet::forward");
        soap_check_batch(batch, basis, "soap_fwd");
        fw.species = species_indices(config.species, batch.numbers, "SoapNet::forward");
    }

    // Descriptors (soap_fwd), backbone and energy heads. energies: (n_graphs, n_heads).
    void forward(const Host& host, const GraphBatch& batch, SoapNetForward<T>& fw) const {
        prepare_forward(batch, fw);
        soapnet_forward(host, weights(), batch, fw);
    }

    // The same from descriptors computed elsewhere (benchmarks, tests): P (n_atoms, D). The
    // forward then has no SOAP state, so backward() gives no position gradients.
    void forward_descriptors(const Host& host, const GraphBatch& batch, const std::vector<T>& P,
                             SoapNetForward<T>& fw) const {
        const std::size_t want = std::size_t(batch.n_atoms()) * std::size_t(n_descriptors());
        if (P.size() != want)
            throw Error(str("descriptors have ", P.size(), " values, need n_atoms * D = ", want),
                        "SoapNet::forward_descriptors", "compute them with soap_fwd and this model's basis");
        fw.species = species_indices(config.species, batch.numbers, "SoapNet::forward_descriptors");
        fw.P = P;
        fw.has_soap = false;
        soapnet_mlp_forward(host, weights(), batch, fw);
    }

    MatrixView<const T> features(const SoapNetForward<T>& fw) const { return matrix_of(fw.x.back(), config.hidden); }

    // From dL/dE (n_graphs, n_heads), plus optionally dL/dx^L (n_atoms, H) from another head (the
    // classifier): parameter gradients accumulated into `grads` (if given) and dL/d(r_j - r_i) per
    // edge (n_edges, 3) written into `dL_dvec` (if given; needs a forward() with descriptors).
    void backward(const Host& host, const GraphBatch& batch, const SoapNetForward<T>& fw, Span<const double> dL_dE,
                  ParameterBuffer<T>* grads, std::vector<T>* dL_dvec,
                  const std::vector<T>* dL_dx_extra = nullptr) const {
        if (dL_dvec) soap_check_batch(batch, basis, "soap_bwd");
        SoapNetBackwardWork<T> work;
        soapnet_backward(host, weights(), batch, fw, dL_dE, grads ? grads->views() : ParameterViews<T>{}, dL_dvec,
                         dL_dx_extra ? span_of(*dL_dx_extra) : Span<const T>{}, work);
    }

    // ---- second order (force training; nn/second_order.hpp) -----------------------------------
    // The force pass (the free function force_pass): dE/d(r_j - r_i) per edge (n_edges, 3) of
    // head 0, keeping the adjoints that backward_second reads.
    void force_backward(const Host& host, const GraphBatch& batch, const SoapNetForward<T>& fw,
                        SoapNetForceAdjoints<T>& adj, std::vector<T>& dE_dvec) const {
        soap_check_batch(batch, basis, "soap_bwd");
        SoapNetBackwardWork<T> work;
        eipnn::force_pass(host, weights(), batch, fw, adj, work, dE_dvec);
    }

    // Parameter gradients of sum dL/dE E + sum_e u_e . dE/dvec_e (the free function second_backward).
    void backward_second(const Host& host, const GraphBatch& batch, const SoapNetForward<T>& fw,
                         SoapNetForceAdjoints<T>& adj, Span<const double> dL_dE, MatrixView<const T> u,
                         ParameterBuffer<T>& grads) const {
        soap_check_batch(batch, basis, "soap_tangent_fwd");
        eipnn::second_backward(host, weights(), batch, fw, adj, dL_dE, u, grads.views());
    }

    // The input standardisation: per-feature mean and spread over all atoms of the training
    // batches (descriptors in double, batches merged with Chan et al.'s pairwise update of mean
    // and sum of squared deviations, which loses no digits to cancellation), so the dense layers
    // see O(1) inputs although SOAP components span orders of magnitude across (n, n', l). Every
    // std is floored at kSoapStdFloor times the largest one: a feature (nearly) constant in the
    // training data -- a species pair that never occurs, a component that vanishes by symmetry --
    // would otherwise get 1/std ~ 1/0, and its rounding noise, or a small change in an unseen
    // configuration, would reach the network amplified by ~1e10. The floor caps that
    // amplification at 1e3 relative to the widest feature and leaves every feature alone whose
    // spread is above 0.1% of it. All features constant: no scaling.
    void fit_inputs(const Host& host, index_t n_batches, const std::function<GraphBatch(index_t)>& batch_at) {
        const char* where = "SoapNet::fit_inputs";
        if (n_batches == 0) throw Error("the training set is empty", where, "give at least one configuration");
        const index_t D = n_descriptors();
        std::vector<double> mean(std::size_t(D), 0.0), m2(std::size_t(D), 0.0), P;
        double count = 0;
        SoapSaved<double> saved;
        for (index_t b = 0; b < n_batches; ++b) {
            const GraphBatch batch = batch_at(b);
            this->check_batch_cutoff(batch, where);
            species_indices(config.species, batch.numbers, where);
            soap_fwd(host, batch, basis, saved, P);
            const index_t n = batch.n_atoms();
            if (n == 0) continue;
            for (index_t c = 0; c < D; ++c) {
                double bm = 0, bm2 = 0;
                for (index_t i = 0; i < n; ++i) bm += P[std::size_t(i) * D + c];
                bm /= double(n);
                for (index_t i = 0; i < n; ++i) {
                    const double d = P[std::size_t(i) * D + c] - bm;
                    bm2 += d * d;
                }
                const double delta = bm - mean[std::size_t(c)], total = count + double(n);
                mean[std::size_t(c)] += delta * double(n) / total;
                m2[std::size_t(c)] += bm2 + delta * delta * count * double(n) / total;
            }
            count += double(n);
        }
        if (count == 0) throw Error("the training set has no atoms", where);
        std::vector<double> sd(static_cast<std::size_t>(D));
        double largest = 0;
        for (index_t c = 0; c < D; ++c) {
            sd[std::size_t(c)] = std::sqrt(m2[std::size_t(c)] / count);
            largest = std::max(largest, sd[std::size_t(c)]);
        }
        input_mean = mean;
        input_inv_std.assign(std::size_t(D), 1.0);
        if (largest > 0)
            for (index_t c = 0; c < D; ++c)
                input_inv_std[std::size_t(c)] = 1.0 / std::max(sd[std::size_t(c)], kSoapStdFloor * largest);
    }
};

// A SOAPNet's parameters, descriptor tables and input standardisation copied to backend B's
// memory (a device), for the passes there (as SchNetCopy in schnet.hpp). Not movable: the
// weights point at its members.
template <class T, class B>
class SoapNetCopy {
public:
    SoapNetCopy(const B& b, const SoapNet<T>& model)
        : config(model.config), layout(model.layout), basis(model.basis), head_scale(model.head_scale),
          tables(b, model.basis) {
        upload(b, model.params.data, params);
        upload(b, model.head_ref, head_ref);
        upload(b, model.input_mean, input_mean);
        upload(b, model.input_inv_std, input_inv_std);
    }
    SoapNetCopy(const SoapNetCopy&) = delete;
    SoapNetCopy& operator=(const SoapNetCopy&) = delete;

    SoapNetWeights<T> weights() const {
        return {config,
                basis.tables(),
                tables.get(),
                span_of(input_mean),
                span_of(input_inv_std),
                head_scale,
                ParameterViews<const T>{&layout, params.data()},
                span_of(head_ref)};
    }
    ParameterViews<T> grads_of(Buffer<B, T>& g) const {
        if (g.size() != params.size())
            throw Error(str("the gradient buffer has ", g.size(), " values, the parameters ", params.size()),
                        "SoapNetCopy::grads_of", "allocate it with as many values as the parameters, zeroed");
        return {&layout, g.data()};
    }

    const SoapNetConfig config;
    const ParameterLayout layout;
    const SoapBasis basis;
    const std::vector<double> head_scale;
    const SoapTablesCopy<B> tables;
    Buffer<B, T> params;
    Buffer<B, double> head_ref, input_mean, input_inv_std;
};

}  // namespace eipnn
