// Activations with their derivatives: shifted softplus (SchNet) and SiLU.
//   ssp(x)  = softplus(x) - ln 2 = max(x, 0) + log1p(exp(-|x|)) - ln 2   (stable for any x)
//   ssp'(x) = sigmoid(x)
//   silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))
#pragma once
#include <cmath>

#include "eipnn/core/config.hpp"
#include "eipnn/core/host_backend.hpp"
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

// value and derivative at x
template <class T>
EIPNN_HD void activation_eval(Activation a, T x, T& value, T& d_dx) {
    const T s = sigmoid(x);
    if (a == Activation::ShiftedSoftplus) {
        value = shifted_softplus(x);
        d_dx = s;
    } else {
        value = x * s;
        d_dx = s * (T(1) + x * (T(1) - s));
    }
}

// out = act(pre), elementwise over n values.
template <class T>
void activation_fwd(const Host& host, Activation a, Span<const T> pre, Span<T> out) {
    for_each(host, pre.size, [=](index_t i) {
        T v, d;
        activation_eval(a, pre[i], v, d);
        out[i] = v;
    });
}

// dL_dpre = dL_dout * act'(pre); dL_dpre may alias dL_dout.
template <class T>
void activation_bwd(const Host& host, Activation a, Span<const T> pre, Span<const T> dL_dout, Span<T> dL_dpre) {
    for_each(host, pre.size, [=](index_t i) {
        T v, d;
        activation_eval(a, pre[i], v, d);
        dL_dpre[i] = dL_dout[i] * d;
    });
}

}  // namespace eipnn
