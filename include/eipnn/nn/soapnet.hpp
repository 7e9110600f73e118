// SOAPNet, the paper's second model (configuration and layer sizes in soapnet_config.hpp):
//   P_i   = SOAP power spectrum of atom i                              (soap/soap.hpp, D values)
//   x^0_i = (P_i - mean) * inv_std                                     fixed, set from training data
//   x^l_i = ssp(x^{l-1}_i W_l + b_l),  l = 1..L                        the backbone (width H)
//   E_g   = scale * sum_i [ssp(x^L_i W1 + b1) W2 + b2] + sum_i ref[Z_i]   per head (readout.hpp)
// plus an optional classifier head (sum of x^L per graph -> BatchNorm -> MLP -> K+1 logits).
//
// The same interface as SchNet (schnet.hpp), so the trainer and the strategies take either:
// forward() saves what backward() needs in SoapNetForward; backward() turns dL/dE per graph (and
// head) into parameter gradients and/or dL/d(r_j - r_i) per edge through soap_bwd;
// energy_forces() gathers the latter into forces and virials (geometry/edge_forces.hpp).
#pragma once
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/embedding.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/readout.hpp"
#include "eipnn/nn/readout_functors.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/soapnet_config.hpp"
#include "eipnn/soap/soap.hpp"

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

template <class T>
struct SoapNetForward {
    std::vector<index_t> species;             // (n_atoms)
    SoapSaved<T> soap;                        // what soap_bwd needs (valid when has_soap)
    bool has_soap = false;                    // false after forward_descriptors (no position gradients)
    std::vector<T> P;                         // (n_atoms, D) descriptors
    std::vector<std::vector<T>> x;            // L + 1: x[0] (n_atoms, D) standardised, x[l] (n_atoms, H)
    std::vector<std::vector<T>> a;            // L of (n_atoms, H) pre-activations
    std::vector<AtomwiseHeadSaved<T>> heads;  // n_heads
    std::vector<double> energies;             // (n_graphs, n_heads)
};

template <class T>
class SoapNet {
public:
    using Scalar = T;
    using Forward = SoapNetForward<T>;

    SoapNetConfig config;
    SoapBasis basis;                     // built from config.soap_config()
    ParameterLayout layout;
    ParameterBuffer<T> params;
    std::vector<double> head_scale;      // (n_heads)
    std::vector<double> head_ref;        // (n_heads, n_species)
    BatchNormState<T> bn;
    std::vector<double> input_mean;      // (D) fixed standardisation (train/soapnet_inputs.hpp)
    std::vector<double> input_inv_std;   // (D)

    explicit SoapNet(const SoapNetConfig& cfg = {}, unsigned seed = 42)
        : config(validated(cfg)), basis(SoapBasis::make(config.soap_config())) {
        const index_t D = n_descriptors(), H = cfg.hidden, S = index_t(cfg.species.size());
        for (index_t l = 0; l < cfg.n_backbone_layers; ++l) {
            layout.add(layer_prefix(l) + "W", l == 0 ? D : H, H);
            layout.add(layer_prefix(l) + "b", 1, H);
        }
        add_output_head_parameters(layout, {H, cfg.head_hidden, cfg.n_heads, cfg.n_classes, cfg.classifier_hidden});
        params = ParameterBuffer<T>(layout);
        head_scale.assign(std::size_t(cfg.n_heads), 1.0);
        head_ref.assign(std::size_t(cfg.n_heads) * std::size_t(S), 0.0);
        bn.running_mean.assign(std::size_t(H), T(0));
        bn.running_var.assign(std::size_t(H), T(1));
        input_mean.assign(std::size_t(D), 0.0);
        input_inv_std.assign(std::size_t(D), 1.0);
        initialize(seed);
    }

    // The parameter buffer points at its own model's layout: copies re-point it.
    SoapNet(const SoapNet& o)
        : config(o.config), basis(o.basis), layout(o.layout), params(o.params), head_scale(o.head_scale),
          head_ref(o.head_ref), bn(o.bn), input_mean(o.input_mean), input_inv_std(o.input_inv_std) {
        params.layout = &layout;
    }
    SoapNet& operator=(const SoapNet& o) {
        if (this != &o) {
            config = o.config;
            basis = o.basis;
            layout = o.layout;
            params = o.params;
            params.layout = &layout;
            head_scale = o.head_scale;
            head_ref = o.head_ref;
            bn = o.bn;
            input_mean = o.input_mean;
            input_inv_std = o.input_inv_std;
        }
        return *this;
    }

    static std::string layer_prefix(index_t l) { return soapnet_layer_prefix(l); }
    static std::string head_prefix(index_t k) { return energy_head_prefix(k); }
    index_t n_descriptors() const { return basis.n_features(); }  // D

    // Glorot-uniform weights, small random biases (every bias visible to the tests), BatchNorm
    // gamma = 1, beta = 0; as SchNet.
    void initialize(unsigned seed) {
        std::mt19937_64 rng(seed);
        for (const ParameterEntry& e : layout.entries()) {
            MatrixView<T> m = params.at(e);
            const bool bias = e.rows == 1 && e.name.find(".b") != std::string::npos;
            std::uniform_real_distribution<double> u(-1.0, 1.0);
            const double a = bias ? 0.1 : std::sqrt(6.0 / double(e.rows + e.cols));
            for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(a * u(rng));
            if (e.name == "classifier.bn.gamma")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(1);
            if (e.name == "classifier.bn.beta")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(0);
        }
    }

    // The same model in another scalar type (float for training, double for checks).
    template <class U>
    SoapNet<U> cast() const {
        SoapNet<U> m(config);
        for (std::size_t k = 0; k < params.data.size(); ++k) m.params.data[k] = U(params.data[k]);
        m.head_scale = head_scale;
        m.head_ref = head_ref;
        for (std::size_t c = 0; c < bn.running_mean.size(); ++c) {
            m.bn.running_mean[c] = U(bn.running_mean[c]);
            m.bn.running_var[c] = U(bn.running_var[c]);
        }
        m.input_mean = input_mean;
        m.input_inv_std = input_inv_std;
        return m;
    }


    // Descriptors (soap_fwd), backbone and energy heads. energies: (n_graphs, n_heads).
    void forward(const Host& host, const GraphBatch& batch, SoapNetForward<T>& fw) const {
        check_batch(batch);
        fw.species = species_indices(config.species, batch.numbers, "SoapNet::forward");
        soap_fwd(host, batch, basis, fw.soap, fw.P);
        fw.has_soap = true;
        run_mlp(host, batch, fw);
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
        run_mlp(host, batch, fw);
    }

    MatrixView<const T> features(const SoapNetForward<T>& fw) const { return matrix_of(fw.x.back(), config.hidden); }

    // From dL/dE (n_graphs, n_heads), plus optionally dL/dx^L (n_atoms, H) from another head (the
    // classifier): parameter gradients accumulated into `grads` (if given) and dL/d(r_j - r_i) per
    // edge (n_edges, 3) written into `dL_dvec` (if given; needs a forward() with descriptors).
    void backward(const Host& host, const GraphBatch& batch, const SoapNetForward<T>& fw, Span<const double> dL_dE,
                  ParameterBuffer<T>* grads, std::vector<T>* dL_dvec,
                  const std::vector<T>* dL_dx_extra = nullptr) const {
        const char* where = "SoapNet::backward";
        const index_t n = batch.n_atoms(), H = config.hidden, D = n_descriptors(), G = batch.n_graphs(),
                      K = config.n_heads, L = config.n_backbone_layers;
        if (dL_dE.size != G * K) throw Error(str("dL_dE has ", dL_dE.size, " values, need n_graphs * n_heads = ", G * K), where);
        if (dL_dvec && !fw.has_soap)
            throw Error("position gradients need the SOAP state of forward()", where,
                        "run forward(), not forward_descriptors(), before asking for dL_dvec");
        std::vector<T> d_next(std::size_t(n) * H, T(0)), d_prev, scratch;
        if (dL_dx_extra) {
            if (dL_dx_extra->size() != d_next.size())
                throw Error(str("dL_dx_extra has ", dL_dx_extra->size(), " values, need n_atoms * hidden = ", d_next.size()),
                            where);
            d_next = *dL_dx_extra;
        }
        energy_heads_bwd(host, batch, params, head_scale, features(fw), fw.heads, dL_dE, grads, matrix_of(d_next, H),
                         scratch);
        for (index_t l = L - 1; l >= 0; --l) {
            const index_t in = l == 0 ? D : H;
            // dL/da_l = dL/dx_{l+1} * ssp'(a_l), in place
            activation_bwd(host, Activation::ShiftedSoftplus, span_of(fw.a[std::size_t(l)]), span_of(std::as_const(d_next)),
                           span_of(d_next));
            const bool need_dx = l > 0 || dL_dvec;  // the standardised input's gradient only feeds forces
            d_prev.assign(need_dx ? std::size_t(n) * in : 0, T(0));
            MatrixView<T> gW{}, gb{};
            if (grads) {
                gW = grads->view(layer_prefix(l) + "W");
                gb = grads->view(layer_prefix(l) + "b");
            }
            dense_bwd(host, matrix_of(fw.x[std::size_t(l)], in), layer_W(l), matrix_of(std::as_const(d_next), H),
                      need_dx ? matrix_of(d_prev, in) : MatrixView<T>{}, gW, gb);
            std::swap(d_next, d_prev);
        }
        if (!dL_dvec) return;
        std::vector<T> dL_dP(std::size_t(n) * D);
        for_each(host, n,
                 StandardizeRowsBwd<T>{matrix_of(std::as_const(d_next), D), span_of(input_inv_std), matrix_of(dL_dP, D)});
        soap_bwd(host, batch, basis, fw.soap, fw.P, matrix_of(std::as_const(dL_dP), D), *dL_dvec);
    }

    // Energies (head 0), forces and per-graph virials (descriptors included).
    void energy_forces(const Host& host, const GraphBatch& batch, SoapNetForward<T>& fw, EnergyForces<T>& out) const {
        forward(host, batch, fw);
        const index_t G = batch.n_graphs(), K = config.n_heads;
        std::vector<double> seed(std::size_t(G) * K, 0.0);
        out.energies.resize(std::size_t(G));
        for (index_t g = 0; g < G; ++g) {
            seed[std::size_t(g * K)] = 1.0;
            out.energies[std::size_t(g)] = fw.energies[std::size_t(g * K)];
        }
        std::vector<T> dE_dvec;
        backward(host, batch, fw, span_of(std::as_const(seed)), nullptr, &dE_dvec);
        forces_from_edge_gradients(host, batch, dE_dvec, out);
    }

    // Classifier logits from a forward's features; updates the running statistics in training.
    void classifier_forward(const Host& host, const GraphBatch& batch, const SoapNetForward<T>& fw, bool training,
                            ClassifierSaved<T>& sv) {
        require_classifier();
        classifier_head_fwd(host, batch, params, bn, training, features(fw), sv);
    }
    // dL/dx^L (n_atoms, H) from dL/dlogits, classifier gradients accumulated into grads (if any).
    std::vector<T> classifier_backward(const Host& host, const GraphBatch& batch, const ClassifierSaved<T>& sv,
                                       const std::vector<T>& dL_dlogits, ParameterBuffer<T>* grads) const {
        require_classifier();
        return classifier_head_bwd(host, batch, params, sv, dL_dlogits, config.n_classes, config.hidden, grads);
    }

private:
    static const SoapNetConfig& validated(const SoapNetConfig& c) {
        c.validate();
        return c;
    }
    MatrixView<const T> cv(const std::string& name) const { return params.view(name); }
    MatrixView<const T> layer_W(index_t l) const { return cv(layer_prefix(l) + "W"); }
    MatrixView<const T> layer_b(index_t l) const { return cv(layer_prefix(l) + "b"); }

    // standardisation, backbone, heads; fw.P and fw.species set
    void run_mlp(const Host& host, const GraphBatch& batch, SoapNetForward<T>& fw) const {
        const index_t n = batch.n_atoms(), D = n_descriptors(), H = config.hidden, L = config.n_backbone_layers;
        if (input_mean.size() != std::size_t(D) || input_inv_std.size() != std::size_t(D))
            throw Error(str("input standardisation has ", input_mean.size(), " / ", input_inv_std.size(),
                            " values, the descriptors ", D),
                        "SoapNet::forward", "set input_mean and input_inv_std with prepare_model_inputs");
        fw.x.resize(std::size_t(L) + 1);
        fw.a.resize(std::size_t(L));
        fw.x[0].resize(std::size_t(n) * D);
        for_each(host, n,
                 StandardizeRows<T>{matrix_of(std::as_const(fw.P), D), span_of(input_mean), span_of(input_inv_std),
                                    matrix_of(fw.x[0], D)});
        for (index_t l = 0; l < L; ++l) {
            std::vector<T>& a = fw.a[std::size_t(l)];
            std::vector<T>& y = fw.x[std::size_t(l) + 1];
            a.resize(std::size_t(n) * H);
            y.resize(std::size_t(n) * H);
            dense_fwd(host, matrix_of(std::as_const(fw.x[std::size_t(l)]), l == 0 ? D : H), layer_W(l), layer_b(l),
                      matrix_of(a, H));
            activation_fwd(host, Activation::ShiftedSoftplus, span_of(std::as_const(a)), span_of(y));
        }
        energy_heads_fwd(host, batch, params, span_of(std::as_const(fw.species)), head_scale, head_ref, features(fw),
                         fw.heads, fw.energies);
    }

    void require_classifier() const {
        if (config.n_classes <= 0)
            throw Error("this model has no classifier head", "SoapNet", "set SoapNetConfig::n_classes to K+1");
    }
    void check_batch(const GraphBatch& batch) const {
        if (std::abs(batch.cutoff - config.cutoff) > 1e-12 * config.cutoff && batch.n_edges() > 0)
            throw Error(str("the batch's lists use cutoff ", batch.cutoff, " Å, the model ", config.cutoff, " Å"),
                        "SoapNet::forward", "build the neighbour lists with the model's cutoff");
    }
};

// Copies the backbone (dense layers and input standardisation) of `from` into `to`; heads and the
// classifier of `to` keep their own initialisation. Descriptor and backbone sizes must match.
template <class T>
void transfer_backbone(const SoapNet<T>& from, SoapNet<T>& to) {
    const SoapConfig a = from.config.soap_config(), b = to.config.soap_config();
    if (a.species != b.species || a.cutoff != b.cutoff || a.n_max != b.n_max || a.l_max != b.l_max ||
        a.sigma != b.sigma || a.cutoff_width != b.cutoff_width || a.normalization != b.normalization ||
        from.config.hidden != to.config.hidden || from.config.n_backbone_layers != to.config.n_backbone_layers)
        throw Error("the pretrained backbone differs in species, cutoff, SOAP basis, width or depth", "transfer_backbone",
                    "fine-tune a model with the pretrained model's SOAP and backbone settings");
    std::size_t copied = 0;
    for (const ParameterEntry& e : to.layout.entries()) {
        if (e.name.rfind("backbone", 0) != 0) continue;
        const MatrixView<const T> src = from.params.view(e.name);
        MatrixView<T> dst = to.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) dst.data[k] = src.data[k];
        ++copied;
    }
    if (copied == 0) throw Error("no backbone parameters found", "transfer_backbone");
    to.input_mean = from.input_mean;
    to.input_inv_std = from.input_inv_std;
}

}  // namespace eipnn
