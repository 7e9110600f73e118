// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (torch 1.13): with
// n = ||g||_2 over all parameters, g *= min(1, max_norm / (n + 1e-6)). Returns n (before
// clipping). The norm is reduced in a fixed order, so it does not depend on the thread count.
#pragma once
#include <cmath>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"

namespace eipnn {

template <class T>
double clip_grad_norm(const Host& host, Span<T> grads, double max_norm) {
    if (!(max_norm > 0)) throw Error(str("max_norm must be positive, got ", max_norm), "clip_grad_norm");
    const double sum_sq = reduce_sum<double>(host, grads.size, [&](index_t i) { return double(grads[i]) * double(grads[i]); });
    const double norm = std::sqrt(sum_sq);
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) for_each(host, grads.size, [&](index_t i) { grads[i] = T(grads[i] * T(coef)); });
    return norm;
}

}  // namespace eipnn
