// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (torch 1.13): with
// n = ||g||_2 over all parameters, g *= min(1, max_norm / (n + 1e-6)). Returns n (before
// clipping). The norm is reduced in a fixed order, so it does not depend on the thread count.
#pragma once
#include <cmath>

#include "eipnn/core/error.hpp"
#include "eipnn/core/backend.hpp"

namespace eipnn {

template <class T>
struct SquareInDouble {
    Span<const T> g;
    EIPNN_HD double operator()(index_t i) const { return double(g[i]) * double(g[i]); }
};

template <class T>
struct ScaleInPlace {
    Span<T> g;
    T coef;
    EIPNN_HD void operator()(index_t i) const { g[i] = T(g[i] * coef); }
};

// grads in backend b's memory; written once for every backend.
template <class B, class T>
double clip_grad_norm(const B& b, Span<T> grads, double max_norm) {
    if (!(max_norm > 0)) throw Error(str("max_norm must be positive, got ", max_norm), "clip_grad_norm");
    const double sum_sq = reduce_sum<double>(b, grads.size, SquareInDouble<T>{grads});
    const double norm = std::sqrt(sum_sq);
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) for_each(b, grads.size, ScaleInPlace<T>{grads, T(coef)});
    return norm;
}

}  // namespace eipnn
