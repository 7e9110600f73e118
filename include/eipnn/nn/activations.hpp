// Activations with their derivatives: shifted softplus (SchNet) and SiLU, as portable scalar
// functions and per-index functors (host loop or device grid-stride; no Eigen here). The host's
// vectorised loops over whole buffers are in activations_host.hpp and use the same formulas:
//   e = exp(-|x|), u = 1 + e
//   ssp(x)  = softplus(x) - ln 2 = max(x, 0) + log1p(e) - ln 2   (stable for any x)
//   ssp'(x) = sigmoid(x) = 1/u for x >= 0, e/u for x < 0
//   silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))
// and the second derivatives force training needs (the derivative of a backward pass):
//   ssp''(x)  = sigmoid'(x) = s (1 - s),  s = sigmoid(x)
//   silu''(x) = s (1 - s) (2 + x (1 - 2 s))
// s (1 - s) is formed as e/u^2 (e = exp(-|x|)), which keeps its relative accuracy where 1 - s
// would cancel (large |x|).
#pragma once
#include <cmath>

#include "eipnn/core/config.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

enum class Activation { ShiftedSoftplus, SiLU };

template <class T>
EIPNN_HD T sigmoid(T x) {
    // two branches so exp never overflows
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
}

template <class T>
EIPNN_HD T shifted_softplus(T x) {
    const T ln2 = T(0.693147180559945309417);
    return (x > T(0) ? x : T(0)) + std::log1p(std::exp(-std::abs(x))) - ln2;
}

// value and derivative at x, sharing one exp
template <class T>
EIPNN_HD void activation_eval(Activation a, T x, T& value, T& d_dx) {
    const T e = std::exp(-std::abs(x)), inv_u = T(1) / (T(1) + e);
    const T s = x >= T(0) ? inv_u : e * inv_u;
    if (a == Activation::ShiftedSoftplus) {
        value = (x > T(0) ? x : T(0)) + std::log1p(e) - T(0.693147180559945309417);
        d_dx = s;
    } else {
        value = x * s;
        d_dx = s * (T(1) + x * (T(1) - s));
    }
}

// first and second derivative at x, sharing one exp
template <class T>
EIPNN_HD void activation_eval2(Activation a, T x, T& d_dx, T& d2_dx2) {
    const T e = std::exp(-std::abs(x)), inv_u = T(1) / (T(1) + e);
    const T s = x >= T(0) ? inv_u : e * inv_u;
    const T s1 = e * inv_u * inv_u;  // s (1 - s)
    if (a == Activation::ShiftedSoftplus) {
        d_dx = s;
        d2_dx2 = s1;
    } else {
        d_dx = s * (T(1) + x * (T(1) - s));
        d2_dx2 = s1 * (T(2) + x * (T(1) - T(2) * s));
    }
}

// out[i] = act(pre[i]); out may alias pre.
template <class T>
struct ActivationFwd {
    Activation act;
    Span<const T> pre;  // (n)
    Span<T> out;        // (n)

    EIPNN_HD void operator()(index_t i) const {
        T v, d;
        activation_eval(act, pre[i], v, d);
        out[i] = v;
    }
};

// value[i] = act(pre[i]) and slope[i] = act'(pre[i]); value may alias pre.
template <class T>
struct ActivationValueSlope {
    Activation act;
    Span<const T> pre;  // (n)
    Span<T> value;      // (n)
    Span<T> slope;      // (n)

    EIPNN_HD void operator()(index_t i) const {
        T v, d;
        activation_eval(act, pre[i], v, d);
        value[i] = v;
        slope[i] = d;
    }
};

// dL_dpre[i] = dL_dout[i] act'(pre[i]); dL_dpre may alias dL_dout.
template <class T>
struct ActivationBwd {
    Activation act;
    Span<const T> pre;      // (n)
    Span<const T> dL_dout;  // (n)
    Span<T> dL_dpre;        // (n)

    EIPNN_HD void operator()(index_t i) const {
        T v, d;
        activation_eval(act, pre[i], v, d);
        dL_dpre[i] = dL_dout[i] * d;
    }
};

// out_dot[i] = act'(pre[i]) pre_dot[i]   (the forward's tangent)
template <class T>
struct ActivationTangent {
    Activation act;
    Span<const T> pre, pre_dot;  // (n)
    Span<T> out_dot;             // (n)

    EIPNN_HD void operator()(index_t i) const {
        T d, d2;
        activation_eval2(act, pre[i], d, d2);
        out_dot[i] = d * pre_dot[i];
    }
};

// dL_dpre = dL_dout act'(pre) + D_dout act''(pre) pre_dot, D_dpre = D_dout act'(pre) (skipped when
// null); outputs may alias dL_dout / D_dout.
template <class T>
struct ActivationBwdSecond {
    Activation act;
    Span<const T> pre, pre_dot, dL_dout, D_dout;  // (n)
    Span<T> dL_dpre, D_dpre;                      // (n)

    EIPNN_HD void operator()(index_t i) const {
        T d, d2;
        activation_eval2(act, pre[i], d, d2);
        const T D = D_dout[i];
        dL_dpre[i] = dL_dout[i] * d + D * d2 * pre_dot[i];
        if (D_dpre.data) D_dpre[i] = D * d;
    }
};

// ---- the layer over whole buffers, for every backend (core/backend.hpp) ----------------------
// The Host backend has vectorised overloads of the same contract (activations_host.hpp), which
// overload resolution prefers; these run the functors above one index per thread.
template <class B, class T>
void activation_fwd(const B& b, Activation a, Span<const T> pre, Span<T> out) {
    for_each(b, pre.size, ActivationFwd<T>{a, pre, out});
}
template <class B, class T>
void activation_value_slope(const B& b, Activation a, Span<const T> pre, Span<T> value, Span<T> slope) {
    for_each(b, pre.size, ActivationValueSlope<T>{a, pre, value, slope});
}
template <class B, class T>
void activation_bwd(const B& b, Activation a, Span<const T> pre, Span<const T> dL_dout, Span<T> dL_dpre) {
    for_each(b, pre.size, ActivationBwd<T>{a, pre, dL_dout, dL_dpre});
}
template <class B, class T>
void activation_tangent(const B& b, Activation a, Span<const T> pre, Span<const T> pre_dot, Span<T> out_dot) {
    for_each(b, pre.size, ActivationTangent<T>{a, pre, pre_dot, out_dot});
}
template <class B, class T>
void activation_bwd_second(const B& b, Activation a, Span<const T> pre, Span<const T> pre_dot, Span<const T> dL_dout,
                           Span<const T> D_dout, Span<T> dL_dpre, Span<T> D_dpre) {
    for_each(b, pre.size, ActivationBwdSecond<T>{a, pre, pre_dot, dL_dout, D_dout, dL_dpre, D_dpre});
}

}  // namespace eipnn
