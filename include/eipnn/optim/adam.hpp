// Adam and AdamW as one fused update over the flat parameter buffer: a functor per parameter
// index, launched by either backend. The arithmetic follows PyTorch's reference (non-fused)
// implementation step for step, so the two agree to round-off on the same gradients:
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Adam adds weight decay to the gradient (L2); AdamW decays the parameter, p *= 1 - lr wd.
// The moments live in backend B's memory, beside the parameters they update.
#pragma once
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/error.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

struct AdamConfig {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
    bool decoupled_weight_decay = false;  // true: AdamW
};

// Scalars of one step, computed once on the host.
struct AdamStepScalars {
    double lr, beta1, beta2, eps, weight_decay;
    bool decoupled;
    double step_size;              // lr / (1 - b1^t)
    double bias_correction2_sqrt;  // sqrt(1 - b2^t)
};

template <class T>
struct AdamUpdate {
    AdamStepScalars k;
    Span<T> params;        // (n_params)
    Span<const T> grads;   // (n_params)
    Span<T> m;             // (n_params) first moment
    Span<T> v;             // (n_params) second moment

    EIPNN_HD void operator()(index_t i) const {
        T g = grads[i];
        T p = params[i];
        if (k.weight_decay != 0) {
            if (k.decoupled) p = p * T(1 - k.lr * k.weight_decay);
            else g = g + T(k.weight_decay) * p;
        }
        const T mi = m[i] * T(k.beta1) + g * T(1 - k.beta1);
        const T vi = v[i] * T(k.beta2) + T(1 - k.beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const T denom = std::sqrt(vi) / T(k.bias_correction2_sqrt) + T(k.eps);
        params[i] = p - T(k.step_size) * (mi / denom);
    }
};

// Owns the moments; `step` advances the step count and updates params in place.
template <class T, class B = Host>
class Adam {
public:
    Adam() = default;
    Adam(std::size_t n_params, AdamConfig config) : Adam(B{}, n_params, config) {}
    Adam(const B& b, std::size_t n_params, AdamConfig config) : config_(config) {
        if (!(config.lr >= 0) || !(config.beta1 >= 0 && config.beta1 < 1) || !(config.beta2 >= 0 && config.beta2 < 1) ||
            !(config.eps > 0) || !(config.weight_decay >= 0))
            throw Error(str("invalid Adam settings: lr ", config.lr, ", betas (", config.beta1, ", ", config.beta2,
                            "), eps ", config.eps, ", weight decay ", config.weight_decay),
                        "Adam", "use lr >= 0, 0 <= beta < 1, eps > 0, weight decay >= 0");
        const std::vector<T> zeros(n_params, T(0));
        upload(b, zeros, m_);
        upload(b, zeros, v_);
    }

    AdamStepScalars next_scalars(double lr) {
        ++step_;
        const double bc1 = 1 - std::pow(config_.beta1, double(step_));
        const double bc2 = 1 - std::pow(config_.beta2, double(step_));
        return AdamStepScalars{lr, config_.beta1, config_.beta2, config_.eps, config_.weight_decay,
                               config_.decoupled_weight_decay, lr / bc1, std::sqrt(bc2)};
    }

    // One update with learning rate `lr` (the schedule's value for this step).
    void step(const B& b, Span<T> params, Span<const T> grads, double lr) {
        if (params.size != index_t(m_.size()) || grads.size != params.size)
            throw Error(str("Adam holds state for ", m_.size(), " parameters but got ", params.size,
                            " parameters and ", grads.size, " gradients"),
                        "Adam::step", "create the optimizer for the model it updates");
        const PhaseScope phase("optimizer (Adam)", 0, true);
        for_each(b, params.size, AdamUpdate<T>{next_scalars(lr), params, grads, span_of(m_), span_of(v_)});
    }

    const AdamConfig& config() const { return config_; }
    std::int64_t step_count() const { return step_; }
    Buffer<B, T>& first_moment() { return m_; }
    Buffer<B, T>& second_moment() { return v_; }
    const Buffer<B, T>& first_moment() const { return m_; }
    const Buffer<B, T>& second_moment() const { return v_; }
    // Restores state saved in a checkpoint (host memory).
    void restore(std::int64_t step, std::vector<T> m, std::vector<T> v, const B& b = B{}) {
        if (m.size() != m_.size() || v.size() != v_.size())
            throw Error(str("optimizer state holds ", m.size(), " moments, the model has ", m_.size(), " parameters"),
                        "Adam::restore", "load a checkpoint of the same model");
        step_ = step;
        if constexpr (std::is_same_v<Buffer<B, T>, std::vector<T>>) {
            (void)b;
            m_ = std::move(m);
            v_ = std::move(v);
        } else {
            upload(b, m, m_);
            upload(b, v, v_);
        }
    }

private:
    AdamConfig config_;
    Buffer<B, T> m_, v_;
    std::int64_t step_ = 0;
};

}  // namespace eipnn
