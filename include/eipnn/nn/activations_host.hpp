// Host activations over whole buffers, vectorised through Eigen's packet math (exp, log and
// division in SIMD registers; AVX-512/AVX2/SSE as compiled). Same formulas as activations.hpp:
//   e = exp(-|x|), u = 1 + e, 1/u once per element
//   ssp  = max(x, 0) + log1p(e) - ln 2,  log1p(e) = log(u) - ((u - 1) - e) / u
//   sigmoid = 1/u (x >= 0) or e/u (x < 0)
// The log1p correction term restores the bits of e lost in rounding u = 1 + e (Goldberg's
// log1p), so float and double keep full relative accuracy with a vectorised log only (Eigen has
// no vectorised log1p for double).
//
// Buffers are cut into fixed chunks of kActivationChunk values, each an independent loop, so the
// threads of the Host backend split them and results do not depend on the thread count.
#pragma once
#include <algorithm>
#include <type_traits>

#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
#include <Eigen/Core>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/phase_profile.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/math/exp_inline.hpp"
#include "eipnn/nn/activations.hpp"
#include "eipnn/nn/dense.hpp"

namespace eipnn {

inline constexpr index_t kActivationChunk = 256;
// Elements below which one thread does the whole buffer: a parallel region costs microseconds,
// and the (kPairTile, F) tiles of cfconv.hpp, already inside a parallel loop, stay below it.
inline constexpr index_t kActivationParallelMin = 1 << 16;

namespace detail {

// float where math::exp_poly is SIMD code (host targets with FMA vector units: the tool, the
// benches): a plain loop over the chunk that the compiler vectorises, faster than the Eigen
// packets below, whose float log and exp handle every input class. Per element:
//   t = exp_poly(-|x|), u = 1 + t, 1/u once;  sigmoid as below;
//   log1p(t) with Cephes' logf polynomial, log(1 + f) = f - f^2/2 + f^3 P(f) on
//   f in [sqrt(1/2) - 1, sqrt(2) - 1]: f = t itself while u <= sqrt 2 (no rounding of 1 + t at
//   all), else log1p(t) = ln 2 + log(u/2) - ((u - 1) - t)/u with f = u/2 - 1 (exact) and the
//   correction for the rounding of u, as the Eigen path. There ln 2 cancels against ssp's - ln 2
//   before any rounding, near ssp's zero at x = 0.
// The vectorised loop reads x and writes local arrays only, copied out after it: value may alias
// x and dL_dpre may alias dL_dout (in-place calls).
#if EIPNN_EXP_IS_POLYNOMIAL
inline constexpr bool kFloatActivationsInline = true;
#else
inline constexpr bool kFloatActivationsInline = false;
#endif

// GCC on AVX-512 targets prefers 256-bit vectors by default; this loop measured faster with 512-bit
// ones (its divisions and polynomials keep both vector ports busy).
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define EIPNN_WIDE_VECTORS __attribute__((target("prefer-vector-width=512")))
#else
#define EIPNN_WIDE_VECTORS
#endif

// kValue: whether act(x) is wanted (the slope alone needs no logarithm: the backward's case).
template <bool kValue>
EIPNN_WIDE_VECTORS void activation_chunk_float_inline(Activation act, const float* x, index_t n, float* value,
                                                     float* slope, const float* dL_dout, float* dL_dpre) {
    float V[kActivationChunk], D[kActivationChunk];
    const bool ssp = act == Activation::ShiftedSoftplus;
    for (index_t k = 0; k < n; ++k) {
        const float xk = x[k], ax = xk < 0.0f ? -xk : xk;
        const float t = math::exp_poly(-ax), u = 1.0f + t, iu = 1.0f / u;
        const float s = xk >= 0.0f ? iu : t * iu;
        D[k] = ssp ? s : s * (1.0f + xk * (1.0f - s));
        if (!kValue) continue;
        const bool high = u > 1.41421356f;
        const float f = high ? u * 0.5f - 1.0f : t, f2 = f * f;
        float p = 7.0376836292e-2f;
        p = p * f - 1.1514610310e-1f;
        p = p * f + 1.1676998740e-1f;
        p = p * f - 1.2420140846e-1f;
        p = p * f + 1.4249322787e-1f;
        p = p * f - 1.6668057665e-1f;
        p = p * f + 2.0000714765e-1f;
        p = p * f - 2.4999993993e-1f;
        p = p * f + 3.3333331174e-1f;
        const float log_f = f + (f2 * f * p - 0.5f * f2);  // log(1 + f)
        // ssp = max(x, 0) + log1p(t) - ln 2, the ln 2 of the high branch cancelled
        const float rest = high ? ((u - 1.0f) - t) * iu : 0.693147180559945309417f;
        V[k] = ssp ? (xk > 0.0f ? xk : 0.0f) + (log_f - rest) : xk * s;
    }
    if (kValue)
        for (index_t k = 0; k < n; ++k) value[k] = V[k];
    if (slope)
        for (index_t k = 0; k < n; ++k) slope[k] = D[k];
    if (dL_dpre)
        for (index_t k = 0; k < n; ++k) dL_dpre[k] = dL_dout[k] * D[k];
}

// One chunk x (n <= kActivationChunk): any of value, slope, dL_dpre may be null (skipped);
// value may alias x, dL_dpre may alias dL_dout.
template <class T>
void activation_chunk(Activation act, const T* x, index_t n, T* value, T* slope, const T* dL_dout, T* dL_dpre) {
    if constexpr (std::is_same_v<T, float> && kFloatActivationsInline) {
        if (value) activation_chunk_float_inline<true>(act, x, n, value, slope, dL_dout, dL_dpre);
        else activation_chunk_float_inline<false>(act, x, n, value, slope, dL_dout, dL_dpre);
        return;
    }
    using Arr = Eigen::Array<T, Eigen::Dynamic, 1, 0, kActivationChunk, 1>;
    using CMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
    using MMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
    const CMap X(x, n);
    const Arr E = (-X.abs()).exp();
    const Arr U = E + T(1);
    const Arr IU = U.inverse();
    const Arr S = (X >= T(0)).select(IU, E * IU);  // sigmoid
    Arr V, D;
    if (act == Activation::ShiftedSoftplus) {
        if (value) V = X.max(T(0)) + U.log() - ((U - T(1)) - E) * IU - T(0.693147180559945309417);
        D = S;
    } else {
        if (value) V = X * S;
        D = S * (T(1) + X * (T(1) - S));
    }
    if (value) MMap(value, n) = V;
    if (slope) MMap(slope, n) = D;
    if (dL_dpre) MMap(dL_dpre, n) = CMap(dL_dout, n) * D;
}

// Slope act'(x) and curvature act''(x) of one chunk (formulas of activations.hpp's activation_eval2).
template <class T>
void activation_derivatives_chunk(Activation act, const T* x, index_t n, T* slope, T* curvature) {
    using Arr = Eigen::Array<T, Eigen::Dynamic, 1, 0, kActivationChunk, 1>;
    using CMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
    using MMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
    const CMap X(x, n);
    const Arr E = (-X.abs()).exp();
    const Arr IU = (E + T(1)).inverse();
    const Arr S = (X >= T(0)).select(IU, E * IU);
    const Arr S1 = E * IU * IU;  // s (1 - s) without cancellation
    if (act == Activation::ShiftedSoftplus) {
        MMap(slope, n) = S;
        MMap(curvature, n) = S1;
    } else {
        MMap(slope, n) = S * (T(1) + X * (T(1) - S));
        MMap(curvature, n) = S1 * (T(2) + X * (T(1) - T(2) * S));
    }
}

template <class F>
void for_each_chunk(const Host& host, index_t n, const F& f) {
    const index_t n_chunks = (n + kActivationChunk - 1) / kActivationChunk;
    auto body = [&](index_t c) {
        const index_t k0 = c * kActivationChunk;
        f(k0, std::min(kActivationChunk, n - k0));
    };
    if (n < kActivationParallelMin) {  // also the path inside the tiles of an outer parallel loop
        for (index_t c = 0; c < n_chunks; ++c) body(c);
        return;
    }
    // fixed groups of chunks (independent of the thread count), spread over the threads
    const index_t per = 16, n_groups = (n_chunks + per - 1) / per;
    for_each_block(host, n_groups, [&](index_t g) {
        for (index_t c = g * per; c < std::min(n_chunks, (g + 1) * per); ++c) body(c);
    });
}

}  // namespace detail

// out = act(pre); out may alias pre.
template <class T>
void activation_fwd(const Host& host, Activation a, Span<const T> pre, Span<T> out) {
    const PhaseScope phase("activations");
    detail::for_each_chunk(host, pre.size, [&](index_t k0, index_t n) {
        detail::activation_chunk<T>(a, pre.data + k0, n, out.data + k0, nullptr, nullptr, nullptr);
    });
}

// value = act(pre), slope = act'(pre); value may alias pre.
template <class T>
void activation_value_slope(const Host& host, Activation a, Span<const T> pre, Span<T> value, Span<T> slope) {
    const PhaseScope phase("activations");
    detail::for_each_chunk(host, pre.size, [&](index_t k0, index_t n) {
        detail::activation_chunk<T>(a, pre.data + k0, n, value.data + k0, slope.data + k0, nullptr, nullptr);
    });
}

// dL_dpre = dL_dout * act'(pre); dL_dpre may alias dL_dout.
template <class T>
void activation_bwd(const Host& host, Activation a, Span<const T> pre, Span<const T> dL_dout, Span<T> dL_dpre) {
    const PhaseScope phase("activations");
    detail::for_each_chunk(host, pre.size, [&](index_t k0, index_t n) {
        detail::activation_chunk<T>(a, pre.data + k0, n, nullptr, nullptr, dL_dout.data + k0, dL_dpre.data + k0);
    });
}

// ---- second order (force training) ----------------------------------------------------------
// The forward's tangent and the second backward of out = act(pre), elementwise:
//   out_dot = act'(pre) pre_dot
//   dL_dpre = dL_dout act'(pre) + D_dout act''(pre) pre_dot,   D_dpre = D_dout act'(pre)
// where D_* are the first backward's adjoints (the force pass, nn/second_order.hpp) and dL_* the
// second backward's. D_dpre may be null (not wanted); outputs may alias dL_dout / D_dout.

template <class T>
void activation_tangent(const Host& host, Activation a, Span<const T> pre, Span<const T> pre_dot, Span<T> out_dot) {
    const PhaseScope phase("activations");
    detail::for_each_chunk(host, pre.size, [&](index_t k0, index_t n) {
        T slope[kActivationChunk], curvature[kActivationChunk];
        detail::activation_derivatives_chunk<T>(a, pre.data + k0, n, slope, curvature);
        for (index_t k = 0; k < n; ++k) out_dot.data[k0 + k] = slope[k] * pre_dot.data[k0 + k];
    });
}

template <class T>
void activation_bwd_second(const Host& host, Activation a, Span<const T> pre, Span<const T> pre_dot,
                           Span<const T> dL_dout, Span<const T> D_dout, Span<T> dL_dpre, Span<T> D_dpre) {
    const PhaseScope phase("activations");
    detail::for_each_chunk(host, pre.size, [&](index_t k0, index_t n) {
        T slope[kActivationChunk], curvature[kActivationChunk];
        detail::activation_derivatives_chunk<T>(a, pre.data + k0, n, slope, curvature);
        for (index_t k = 0; k < n; ++k) {
            const index_t i = k0 + k;
            const T d = D_dout.data[i];
            dL_dpre.data[i] = dL_dout.data[i] * slope[k] + d * curvature[k] * pre_dot.data[i];
            if (D_dpre.data) D_dpre.data[i] = d * slope[k];
        }
    });
}

}  // namespace eipnn
