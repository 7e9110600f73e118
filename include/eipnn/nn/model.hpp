// Models as one concept. Every energy model (SchNet, SOAPNet, the next one) is a class template
// over its scalar type that derives from ModelBase<Derived, T, Config> (CRTP: the shared members
// are written once here, without virtual calls in the hot loops) and so offers, in ten lines:
//
//   kind, Config config                 "schnet" | "soapnet"; config has species, cutoff, n_heads, n_classes,
//                                       head_hidden, classifier_hidden and visit_backbone_fields(f)
//   layout, params                      one flat parameter buffer with named views (parameters.hpp)
//   head_scale, head_ref, bn            K energy heads' scale and references, the classifier's BatchNorm
//   forward(host, batch, fw)            energies (n_graphs, K) and the saved state `Forward`
//   forward_for_forces(host, batch, fw) the forward energy_forces runs (default: forward)
//   backward(host, batch, fw, dL_dE, grads*, dL_dvec*, dL_dfeatures*)  parameter and edge-vector gradients
//   energy_forces(host, batch, fw, out) energies, forces (-dE/dx), virials
//   classifier_forward / _backward      the K+1-way classifier head of strategy 1
//   fit_inputs(host, n, batch(i))       fixed input transformation from training data (SOAPNet's standardisation)
//   transfer_backbone_from(other)       strategy 2: everything but the output heads
//   cast<U>(), visit_fixed_arrays(f)    the same model in another scalar type; non-trained state by name
//   weights(), prepare_forward(batch, fw)  the passes' view of the model, the batch's checks and species
//   force_backward / backward_second    force training's second order (nn/second_order.hpp)
//   On<B>::Forward, BackwardWork, ForceAdjoints, Copy   the passes' state and a model copy in
//                                       backend B's memory: the free functions forward_pass,
//                                       parameter_backward, force_pass, second_backward and
//                                       energy_forces_pass run on them (train/batch_step.hpp,
//                                       train/gradient_backend.hpp)
//
// Checkpoint records (train/model_checkpoint.hpp) and text weights (nn/model_weights_io.hpp) are
// written once for all models from these members; nn/models.hpp lists the kinds for readers that
// dispatch on a checkpoint's "model.kind". `is_model_v<M>` checks the interface at compile time
// (the trainer and the strategies static_assert it).
//
// Why CRTP and not a virtual base: the trainer, the strategies and the commands are templates
// anyway (they run a model in float or double), a model's members are called once per batch, and
// a value type (copyable, movable, castable) is simpler to hold than a pointer to a base.
//
// What a derived model supplies: its constructor adds the backbone's parameters to `layout`, then
// calls finish_layout(feature width, seed); forward(), backward() (through its features' width
// F: the heads read the backbone's last per-atom features (n_atoms, F)); fit_inputs() and
// visit_fixed_arrays() when it has non-trained state; `template <class U> using Rebind`.
#pragma once
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/edge_forces.hpp"
#include "eipnn/geometry/graph_batch.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/nn/output_heads.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/nn/readout.hpp"

namespace eipnn {

// The configuration fields every model has (the output side and the data it covers), visited by
// name for checkpoints and text weights; the backbone's own fields come from
// Config::visit_backbone_fields. Keys are those of the text weights' `config` line.
template <class Config, class F>
void visit_config_fields(Config& c, F&& f) {
    f("cutoff", c.cutoff);
    c.visit_backbone_fields(f);
    f("head_hidden", c.head_hidden);
    f("heads", c.n_heads);
    f("classes", c.n_classes);
    f("classifier_hidden", c.classifier_hidden);
}

// A configuration field as a number (checkpoints and text weights store numbers), and back.
template <class V>
double config_value_to_double(const V& v) {
    if constexpr (std::is_enum_v<V>) return double(static_cast<int>(v));
    else return double(v);
}
template <class V>
void config_value_from_double(V& v, double x) {
    if constexpr (std::is_enum_v<V>) v = static_cast<V>(int(x));
    else if constexpr (std::is_same_v<V, bool>) v = x != 0;
    else v = V(x);
}

// Parameters of the output side (output_heads.hpp): everything else is the backbone.
inline bool is_output_parameter(const std::string& name) {
    return name.rfind("head", 0) == 0 || name.rfind("classifier.", 0) == 0;
}

// dL/dE (n_graphs, n_heads) = 1 on head 0, 0 elsewhere: the seed of forces (head 0's -dE/dx).
inline std::vector<double> head0_seed(index_t n_graphs, index_t n_heads) {
    std::vector<double> seed(std::size_t(n_graphs) * std::size_t(n_heads), 0.0);
    for (index_t g = 0; g < n_graphs; ++g) seed[std::size_t(g * n_heads)] = 1.0;
    return seed;
}

template <class Derived, class T, class Config>
class ModelBase {
public:
    using Scalar = T;
    using ConfigType = Config;

    Config config;
    ParameterLayout layout;
    ParameterBuffer<T> params;           // points at this model's own layout, also after copies
    std::vector<double> head_scale;      // (n_heads)
    std::vector<double> head_ref;        // (n_heads, n_species) eV per atom of each species
    BatchNormState<T> bn;                // the classifier's running statistics

    // Values: a copy or a moved-to model owns its buffers, and its parameter views point at its
    // own layout (a defaulted copy would keep pointing at the original's).
    ModelBase(const ModelBase& o)
        : config(o.config), layout(o.layout), params(o.params), head_scale(o.head_scale), head_ref(o.head_ref),
          bn(o.bn), feature_width_(o.feature_width_) {
        params.layout = &layout;
    }
    ModelBase(ModelBase&& o) noexcept
        : config(std::move(o.config)), layout(std::move(o.layout)), params(std::move(o.params)),
          head_scale(std::move(o.head_scale)), head_ref(std::move(o.head_ref)), bn(std::move(o.bn)),
          feature_width_(o.feature_width_) {
        params.layout = &layout;
    }
    ModelBase& operator=(const ModelBase& o) {
        if (this != &o) assign(ModelBase(o));
        return *this;
    }
    ModelBase& operator=(ModelBase&& o) noexcept {
        if (this != &o) assign(std::move(o));
        return *this;
    }

    index_t n_species() const { return index_t(config.species.size()); }

    // Glorot-uniform weights (schnetpack's Dense default), small random biases (zero would be the
    // usual start; random ones make every bias visible to the tests), BatchNorm gamma = 1, beta = 0.
    // A derived model may override single entries through initial_range(name).
    void initialize(unsigned seed) {
        std::mt19937_64 rng(seed);
        for (const ParameterEntry& e : layout.entries()) {
            MatrixView<T> m = params.at(e);
            const bool bias = e.rows == 1 && e.name.find(".b") != std::string::npos;
            double a = bias ? 0.1 : std::sqrt(6.0 / double(e.rows + e.cols));
            if (const double special = self().initial_range(e.name); special > 0) a = special;
            std::uniform_real_distribution<double> u(-a, a);
            for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(u(rng));
            if (e.name == "classifier.bn.gamma")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(1);
            if (e.name == "classifier.bn.beta")
                for (index_t k = 0; k < e.size(); ++k) m.data[k] = T(0);
        }
    }
    double initial_range(const std::string&) const { return 0; }  // 0: Glorot / bias default

    // The same model in another scalar type (float for training, double for checks).
    // (D defers the lookup of Rebind until Derived is complete.)
    template <class U, class D = Derived>
    typename D::template Rebind<U> cast() const {
        typename D::template Rebind<U> m(config);
        for (std::size_t k = 0; k < params.data.size(); ++k) m.params.data[k] = U(params.data[k]);
        m.head_scale = head_scale;
        m.head_ref = head_ref;
        m.bn.running_mean.assign(bn.running_mean.begin(), bn.running_mean.end());
        m.bn.running_var.assign(bn.running_var.begin(), bn.running_var.end());
        copy_fixed_arrays(self(), m);
        return m;
    }

    // The forward energy_forces runs: the plain forward, unless the model hides this with one that
    // also keeps what makes a backward without parameter gradients cheaper (SchNet: its filters'
    // derivatives, nn/cfconv.hpp).
    template <class Forward>
    void forward_for_forces(const Host& host, const GraphBatch& batch, Forward& fw) const {
        self().forward(host, batch, fw);
    }

    // Energies (head 0), forces and per-graph virials.
    template <class Forward>
    void energy_forces(const Host& host, const GraphBatch& batch, Forward& fw, EnergyForces<T>& out) const {
        self().forward_for_forces(host, batch, fw);
        const index_t G = batch.n_graphs(), K = config.n_heads;
        const std::vector<double> seed = head0_seed(G, K);
        out.energies.resize(std::size_t(G));
        for (index_t g = 0; g < G; ++g) out.energies[std::size_t(g)] = fw.energies[std::size_t(g * K)];
        std::vector<T> dE_dvec;
        self().backward(host, batch, fw, span_of(std::as_const(seed)), nullptr, &dE_dvec);
        forces_from_edge_gradients(host, batch, dE_dvec, out);
    }

    // Classifier logits from a forward's features; updates the running statistics in training.
    template <class Forward>
    void classifier_forward(const Host& host, const GraphBatch& batch, const Forward& fw, bool training,
                            ClassifierSaved<T>& sv) {
        require_classifier();
        classifier_head_fwd(host, batch, params, bn, training, self().features(fw), sv);
    }
    // dL/dfeatures (n_atoms, F) from dL/dlogits, classifier gradients accumulated into grads (if any).
    std::vector<T> classifier_backward(const Host& host, const GraphBatch& batch, const ClassifierSaved<T>& sv,
                                       const std::vector<T>& dL_dlogits, ParameterBuffer<T>* grads) const {
        require_classifier();
        return classifier_head_bwd(host, batch, params, sv, dL_dlogits, config.n_classes, feature_width_, grads);
    }

    // No fixed input transformation by default (SchNet's inputs are species and distances).
    void fit_inputs(const Host&, index_t, const std::function<GraphBatch(index_t)>&) {}
    template <class F>
    void visit_fixed_arrays(F&&) {}
    template <class F>
    void visit_fixed_arrays(F&&) const {}
    // Values that follow from the configuration (e.g. SOAPNet's descriptor count), written beside
    // it in text weights for readers outside eipnn; checked, never read back.
    template <class F>
    void visit_derived_fields(F&&) const {}

    // Strategy 2: copies the backbone (every parameter that is not an output head, and the fixed
    // input state) of `from`; this model's heads and classifier keep their own initialisation.
    void transfer_backbone_from(const Derived& from) {
        const char* where = "transfer_backbone";
        if (!same_backbone_config(from.config, config))
            throw Error(str("the pretrained ", Derived::kind, " backbone differs in species, cutoff, sizes or basis"),
                        where, "fine-tune a model with the pretrained model's backbone settings");
        std::size_t copied = 0;
        for (const ParameterEntry& e : layout.entries()) {
            if (is_output_parameter(e.name)) continue;
            const MatrixView<const T> src = from.params.view(e.name);
            MatrixView<T> dst = params.at(e);
            for (index_t k = 0; k < e.size(); ++k) dst.data[k] = src.data[k];
            ++copied;
        }
        if (copied == 0) throw Error("no backbone parameters found", where);
        copy_fixed_arrays(from, self());
    }

    index_t feature_width() const { return feature_width_; }

    // Throws unless the batch's lists were built with the model's cutoff (every forward checks).
    void check_batch_cutoff(const GraphBatch& batch, const char* where) const {
        if (std::abs(batch.cutoff - config.cutoff) > 1e-12 * config.cutoff && batch.n_edges() > 0)
            throw Error(str("the batch's lists use cutoff ", batch.cutoff, " Å, the model ", config.cutoff, " Å"), where,
                        "build the neighbour lists with the model's cutoff");
    }

protected:
    explicit ModelBase(const Config& cfg) : config(cfg) { config.validate(); }

    // After the derived constructor added the backbone's parameters: the output heads, the
    // buffers, the initial values.
    void finish_layout(index_t feature_width, unsigned seed) {
        feature_width_ = feature_width;
        add_output_head_parameters(layout, {feature_width, config.head_hidden, config.n_heads, config.n_classes,
                                            config.classifier_hidden});
        params = ParameterBuffer<T>(layout);
        head_scale.assign(std::size_t(config.n_heads), 1.0);
        head_ref.assign(std::size_t(config.n_heads) * config.species.size(), 0.0);
        bn.running_mean.assign(std::size_t(feature_width), T(0));
        bn.running_var.assign(std::size_t(feature_width), T(1));
        initialize(seed);
    }

private:
    const Derived& self() const { return static_cast<const Derived&>(*this); }
    Derived& self() { return static_cast<Derived&>(*this); }

    void assign(ModelBase&& o) {
        config = std::move(o.config);
        layout = std::move(o.layout);
        params = std::move(o.params);
        params.layout = &layout;
        head_scale = std::move(o.head_scale);
        head_ref = std::move(o.head_ref);
        bn = std::move(o.bn);
        feature_width_ = o.feature_width_;
    }

    void require_classifier() const {
        if (config.n_classes <= 0)
            throw Error(str("this ", Derived::kind, " has no classifier head"), Derived::kind,
                        "configure n_classes = K+1 (the number of EIPs plus one)");
    }

    // Backbones are interchangeable when every field but the output side's agrees.
    static bool same_backbone_config(Config a, Config b) {
        if (a.species != b.species) return false;
        a.n_heads = b.n_heads;
        a.n_classes = b.n_classes;
        a.head_hidden = b.head_hidden;
        a.classifier_hidden = b.classifier_hidden;
        std::vector<double> va, vb;
        visit_config_fields(a, [&](const char*, const auto& v) { va.push_back(config_value_to_double(v)); });
        visit_config_fields(b, [&](const char*, const auto& v) { vb.push_back(config_value_to_double(v)); });
        return va == vb;
    }

    template <class From, class To>
    static void copy_fixed_arrays(const From& from, To& to) {
        std::vector<const std::vector<double>*> src;
        from.visit_fixed_arrays([&](const char*, const std::vector<double>& v) { src.push_back(&v); });
        std::size_t k = 0;
        to.visit_fixed_arrays([&](const char*, std::vector<double>& v) { v = *src.at(k++); });
    }

    index_t feature_width_ = 0;
};

// ---- compile-time check of the interface ------------------------------------------------------

template <class M, class = void>
struct is_model : std::false_type {};
template <class M>
struct is_model<M, std::void_t<
    typename M::Scalar, typename M::Forward, typename M::ConfigType, decltype(M::kind),
    decltype(std::declval<const M&>().forward(std::declval<const Host&>(), std::declval<const GraphBatch&>(),
                                               std::declval<typename M::Forward&>())),
    decltype(std::declval<const M&>().backward(
        std::declval<const Host&>(), std::declval<const GraphBatch&>(), std::declval<const typename M::Forward&>(),
        std::declval<Span<const double>>(), std::declval<ParameterBuffer<typename M::Scalar>*>(),
        std::declval<std::vector<typename M::Scalar>*>(), std::declval<const std::vector<typename M::Scalar>*>())),
    decltype(std::declval<const M&>().features(std::declval<const typename M::Forward&>())),
    decltype(std::declval<const M&>().weights()), typename M::template On<Host>::Copy,
    decltype(std::declval<const M&>().prepare_forward(std::declval<const GraphBatch&>(),
                                                      std::declval<typename M::Forward&>())),
    decltype(std::declval<M&>().transfer_backbone_from(std::declval<const M&>())),
    decltype(std::declval<const M&>().template cast<double>()),
    decltype(std::declval<M&>().params.data), decltype(std::declval<M&>().head_scale)>> : std::true_type {};
template <class M>
inline constexpr bool is_model_v = is_model<M>::value;

// Strategy 2's transfer as a free function (reads as the step it is in the pipeline).
template <class Model>
void transfer_backbone(const Model& from, Model& to) {
    static_assert(is_model_v<Model>, "transfer_backbone needs a model (nn/model.hpp)");
    to.transfer_backbone_from(from);
}

}  // namespace eipnn
