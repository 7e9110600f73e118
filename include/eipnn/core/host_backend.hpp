// The Host backend: how the portable functors run on the CPU. A kernel body is a const functor
// over one index; the backend decides the loop. kernels/eipnn/cuda/backend.cuh is the device twin
// with the same function names, so an algorithm written against `Backend` runs on both.
//
// Determinism: every reduction here sums in a fixed order that does not depend on the number of
// threads (fixed-size blocks, then the blocks in order), so results are bit-identical for 1 and N
// threads.
#pragma once
#include <algorithm>
#include <vector>

#include "eipnn/core/config.hpp"
#include "eipnn/core/view.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace eipnn {

struct Host {
    // 0 = OpenMP's default (all cores); 1 = serial. Ignored when built without OpenMP.
    int threads = 0;

    int resolved_threads() const {
#if defined(_OPENMP)
        return threads > 0 ? threads : omp_get_max_threads();
#else
        return 1;
#endif
    }
};

// Below this many indices a parallel region costs more than it saves.
inline constexpr index_t kHostParallelMin = 2048;

// f(i) for i in [0, n). Static schedule: each thread gets a contiguous range.
template <class F>
void for_each(const Host& host, index_t n, const F& f) {
#if defined(_OPENMP)
    const int nt = host.resolved_threads();
    if (nt > 1 && n >= kHostParallelMin) {
#pragma omp parallel for schedule(static) num_threads(nt)
        for (index_t i = 0; i < n; ++i) f(i);
        return;
    }
#else
    (void)host;
#endif
    for (index_t i = 0; i < n; ++i) f(i);
}

// Like for_each, but with dynamic chunks for work whose cost varies per index (atoms with very
// different neighbour counts). Results must not depend on the order, which the functors ensure by
// writing only their own index's outputs.
template <class F>
void for_each_dynamic(const Host& host, index_t n, const F& f) {
#if defined(_OPENMP)
    const int nt = host.resolved_threads();
    if (nt > 1 && n >= 64) {
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
        for (index_t i = 0; i < n; ++i) f(i);
        return;
    }
#else
    (void)host;
#endif
    for (index_t i = 0; i < n; ++i) f(i);
}

// out[k] = sum of in[0..k) ; returns the total. Serial: a scan is memory-bound and short here.
template <class T>
T exclusive_scan(const Host&, Span<const T> in, Span<T> out) {
    T running{};
    for (index_t i = 0; i < in.size; ++i) {
        const T v = in[i];
        out[i] = running;
        running += v;
    }
    return running;
}

// out[s] = sum over k in [offsets[s], offsets[s+1]) of values[k]; (n_segments) <- (n_values).
template <class T>
void segment_sum(const Host& host, Span<const index_t> offsets, Span<const T> values, Span<T> out) {
    for_each(host, out.size, [&](index_t s) {
        T acc{};
        for (index_t k = offsets[s]; k < offsets[s + 1]; ++k) acc += values[k];
        out[s] = acc;
    });
}

// Sum of f(i) over [0, n) in fixed blocks of kBlock, so the rounding is independent of threads.
template <class T, class F>
T reduce_sum(const Host& host, index_t n, const F& f) {
    constexpr index_t kBlock = 1024;
    const index_t n_blocks = (n + kBlock - 1) / kBlock;
    std::vector<T> partial(std::size_t(n_blocks), T{});
    for_each(host, n_blocks, [&](index_t b) {
        T acc{};
        const index_t end = std::min(n, (b + 1) * kBlock);
        for (index_t i = b * kBlock; i < end; ++i) acc += f(i);
        partial[std::size_t(b)] = acc;
    });
    T total{};
    for (const T& p : partial) total += p;
    return total;
}

template <class T>
T reduce_max(const Host&, Span<const T> in, T init) {
    T m = init;
    for (index_t i = 0; i < in.size; ++i) m = in[i] > m ? in[i] : m;
    return m;
}

}  // namespace eipnn
