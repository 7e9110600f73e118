// The Host backend: how the portable functors run on the CPU. A kernel body is a const functor
// over one index; the backend decides the loop. kernels/eipnn/cuda/backend.cuh is the device twin
// with the same functions and arguments; core/backend.hpp states the interface both implement and
// holds the algorithms written once on top of it (deterministic reductions).
//
// Determinism: every reduction here sums in a fixed order that does not depend on the number of
// threads (fixed-size blocks, then the blocks in order), so results are bit-identical for 1 and N
// threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "eipnn/core/config.hpp"
#include "eipnn/core/large_vector.hpp"
#include "eipnn/core/view.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace eipnn {

// Scratch bytes for primitives that need them (the device's CUB calls); the host's need none but
// take the same argument, so code written against a backend passes one either way.
class HostWorkspace {
public:
    void* get(std::size_t bytes) {
        if (bytes > bytes_.size()) bytes_.resize(bytes);
        return bytes_.data();
    }
private:
    std::vector<unsigned char> bytes_;
};

struct Host {
    // 0 = OpenMP's default (all cores); 1 = serial. Ignored when built without OpenMP.
    int threads = 0;

    // Owning memory of this backend (span_of / matrix_of view it); LargeBuffer for the big
    // per-edge arrays, whose allocations take huge pages (core/large_vector.hpp).
    template <class T>
    using Buffer = std::vector<T>;
    template <class T>
    using LargeBuffer = LargeVector<T>;
    using Workspace = HostWorkspace;

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

// Chunk size of for_each_dynamic: about 16 chunks per thread, never fewer than 16 indices.
// Handing out a chunk moves the schedule's shared counter between cores, and neighbouring chunks
// taken by different cores share the cache lines at their borders (atom energies, edge rows).
// With chunks of 16 cheap atoms (microseconds of work) that traffic costs as much as the work on
// small shared VMs: there the SW kernel gained nothing from a second thread with chunks of 16 and
// scaled almost linearly with chunks of ~2,000 (bench/compare eip prints the 1 -> 2 thread
// scaling). 16 chunks per thread still leave room to balance atoms of uneven cost and a core that
// the host slows down.
inline index_t dynamic_chunk(index_t n, int threads) {
    const index_t per_thread = n / (index_t(threads) * 16);
    return per_thread > 16 ? per_thread : 16;
}

// f(b) for b in [0, n_blocks), for few heavy work items (GEMM blocks, tiles): one parallel region
// even for 2 items, unlike for_each which waits for thousands of cheap indices.
template <class F>
void for_each_block(const Host& host, index_t n_blocks, const F& f) {
#if defined(_OPENMP)
    const int nt = host.resolved_threads();
    if (nt > 1 && n_blocks > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (index_t b = 0; b < n_blocks; ++b) f(b);
        return;
    }
#else
    (void)host;
#endif
    for (index_t b = 0; b < n_blocks; ++b) f(b);
}

namespace detail {
// f(i) for i in [0, n) in dynamic chunks of `chunk` (0: dynamic_chunk's size) when there are at
// least `min_n` indices and more than one thread, else serially.
template <class F>
void dynamic_loop(const Host& host, index_t n, index_t chunk, index_t min_n, const F& f) {
#if defined(_OPENMP)
    const int nt = host.resolved_threads();
    if (nt > 1 && n >= min_n) {
        const index_t c = chunk > 0 ? chunk : dynamic_chunk(n, nt);
#pragma omp parallel for schedule(dynamic, c) num_threads(nt)
        for (index_t i = 0; i < n; ++i) f(i);
        return;
    }
#else
    (void)host, (void)chunk, (void)min_n;
#endif
    for (index_t i = 0; i < n; ++i) f(i);
}
}  // namespace detail

// Like for_each, but with dynamic chunks for work whose cost varies per index (atoms with very
// different neighbour counts). Results must not depend on the order, which the functors ensure by
// writing only their own index's outputs.
template <class F>
void for_each_dynamic(const Host& host, index_t n, const F& f) {
    detail::dynamic_loop(host, n, 0, 64, f);
}

// One index at a time to whichever thread is free: for few, heavy and uneven tasks (whole
// configurations), where a chunk of several could leave one core with most of the work.
template <class F>
void for_each_task(const Host& host, index_t n, const F& f) {
    detail::dynamic_loop(host, n, 1, 2, f);
}

// Splits [0, n) into `parts` contiguous ranges of about equal weight, every inner bound a multiple
// of `granule`; prefix(i), i in [0, n], is the cumulative weight of the indices before i (e.g. CSR
// offsets plus i, for work that grows with atoms and edges). Returns parts + 1 bounds, the first 0,
// the last n.
template <class Prefix>
std::vector<index_t> split_balanced(index_t n, const Prefix& prefix, index_t granule, int parts) {
    std::vector<index_t> bounds(std::size_t(parts) + 1, n);
    bounds[0] = 0;
    const double first = double(prefix(0)), total = double(prefix(n)) - first;
    index_t at = 0;
    for (int t = 1; t < parts; ++t) {
        const double target = first + total * t / parts;
        while (at < n && double(prefix(at)) < target) at = at + granule < n ? at + granule : n;
        bounds[std::size_t(t)] = at;
    }
    return bounds;
}

// Below this many indices, for_each_owned_two_phase runs serially: a parallel region's start-up
// and the barrier cost more than half of so little work.
inline constexpr index_t kHostOwnedParallelMin = 512;

namespace detail {
// A thread's range of granules [front, back), packed in one word so that the owner taking from the
// front and a thief taking from the back never take the same granule. On its own cache line.
struct alignas(64) GranuleRange {
    std::atomic<std::uint64_t> packed{0};

    void set(std::uint32_t front, std::uint32_t back) { packed.store(std::uint64_t(front) << 32 | back); }
    // the next granule from the front (owner) or the back (thief); -1 when the range is empty
    index_t take(bool from_front) {
        std::uint64_t v = packed.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint32_t front = std::uint32_t(v >> 32), back = std::uint32_t(v);
            if (front >= back) return -1;
            const std::uint64_t next = from_front ? (std::uint64_t(front + 1) << 32 | back)
                                                  : (std::uint64_t(front) << 32 | (back - 1));
            if (packed.compare_exchange_weak(v, next, std::memory_order_acq_rel, std::memory_order_relaxed))
                return from_front ? index_t(front) : index_t(back - 1);
        }
    }
};
}  // namespace detail

// A phase-1 functor may also offer `for_range(begin, end)`, doing what phase1(i) does for every i
// in [begin, end): the host then hands it whole granules, so it can vectorize across indices
// (eip/edip.hpp, four atoms per SIMD lane group); the device calls phase1(i) per index. (declval,
// not index_t(): nvcc's host pass rewrites the latter to `signed int()`, which g++ rejects.)
template <class F, class = void>
struct runs_ranges : std::false_type {};
template <class F>
struct runs_ranges<
    F, std::void_t<decltype(std::declval<const F&>().for_range(std::declval<index_t>(), std::declval<index_t>()))>>
    : std::true_type {};

// phase1(i) for every i in [0, n), then, once all of it is done, phase2(g) for every granule g
// (indices [g granule, (g + 1) granule)), where the thread that ran a granule's phase 1 also runs
// its phase 2. Each thread starts on its own contiguous range (split_balanced by `prefix`) and,
// when done, takes granules from the back of the others' ranges.
// Why: what phase 1 writes (per-edge gradients), phase 2 reads back, and on small shared VMs a
// cache line written by one core and read by the other costs more than the work on it. With two
// dynamic loops (chunks go to either core, differently each call) EDIP gained little from a second
// thread; with fixed ranges (each core reads back what it wrote) it gained much more, but then a
// core the host slows down (on such VMs the two cores' speeds often differ for minutes) holds
// everyone up, hence the stealing. bench/compare eip measures the scaling. One parallel region,
// so phase 2 costs no second wake-up.
template <class Prefix, class F1, class F2>
void for_each_owned_two_phase(const Host& host, index_t n, const Prefix& prefix, index_t granule, const F1& phase1,
                              const F2& phase2) {
    const index_t n_granules = (n + granule - 1) / granule;
    const auto run_phase1 = [&](index_t g) {
        const index_t end = (g + 1) * granule < n ? (g + 1) * granule : n;
        if constexpr (runs_ranges<F1>::value) phase1.for_range(g * granule, end);
        else for (index_t i = g * granule; i < end; ++i) phase1(i);
    };
#if defined(_OPENMP)
    const int nt = host.resolved_threads();
    if (nt > 1 && n >= kHostOwnedParallelMin) {
        const std::vector<index_t> bounds = split_balanced(n, prefix, granule, nt);
        std::unique_ptr<detail::GranuleRange[]> ranges(new detail::GranuleRange[std::size_t(nt)]);
        for (int r = 0; r < nt; ++r)
            ranges[std::size_t(r)].set(std::uint32_t(bounds[std::size_t(r)] / granule),
                                       std::uint32_t((bounds[std::size_t(r) + 1] + granule - 1) / granule));
        std::vector<int> ran_by(std::size_t(n_granules), -1);
#pragma omp parallel num_threads(nt)
        {
            const int t = omp_get_thread_num(), team = omp_get_num_threads();  // team may be < nt
            // own ranges first (thread t of a smaller team owns ranges t, t + team, ...), then steal
            for (int r = t; r < nt; r += team)
                for (index_t g; (g = ranges[std::size_t(r)].take(true)) >= 0;) {
                    run_phase1(g);
                    ran_by[std::size_t(g)] = t;
                }
            for (int k = 1; k < nt; ++k) {
                const int r = (t + k) % nt;
                for (index_t g; (g = ranges[std::size_t(r)].take(false)) >= 0;) {
                    run_phase1(g);
                    ran_by[std::size_t(g)] = t;
                }
            }
#pragma omp barrier
            for (index_t g = 0; g < n_granules; ++g)
                if (ran_by[std::size_t(g)] == t) phase2(g);
        }
        return;
    }
#else
    (void)host;
    (void)prefix;
#endif
    for (index_t g = 0; g < n_granules; ++g) run_phase1(g);
    for (index_t g = 0; g < n_granules; ++g) phase2(g);
}

// out[k] = sum of in[0..k). Serial: a scan is memory-bound and short here.
template <class T>
void exclusive_scan(const Host&, Span<const T> in, Span<T> out, HostWorkspace&) {
    T running{};
    for (index_t i = 0; i < in.size; ++i) {
        const T v = in[i];
        out[i] = running;
        running += v;
    }
}

// out[s] = sum over k in [offsets[s], offsets[s+1]) of values[k]; (n_segments) <- (n_values).
template <class T>
void segment_sum(const Host& host, Span<const index_t> offsets, Span<const T> values, Span<T> out, HostWorkspace&) {
    for_each(host, out.size, [&](index_t s) {
        T acc{};
        for (index_t k = offsets[s]; k < offsets[s + 1]; ++k) acc += values[k];
        out[s] = acc;
    });
}

// ---- memory: the same calls as the device's (kernels/eipnn/cuda/backend.cuh) ------------------
template <class T>
void zero(const Host&, Span<T> s) {
    std::fill(s.begin(), s.end(), T(0));
}

// to = from (same size, same memory space).
template <class T>
void copy(const Host&, Span<const T> from, Span<T> to) {
    std::copy(from.begin(), from.end(), to.begin());
}

// Host memory into a buffer of this backend (resized to fit), and back.
template <class T, class A, class A2>
void upload(const Host&, const std::vector<T, A>& from, std::vector<T, A2>& to) {
    to.assign(from.begin(), from.end());
}
template <class T, class A>
void download(const Host&, Span<const T> from, std::vector<T, A>& to) {
    to.assign(from.begin(), from.end());
}

// Waits for the backend's queued work: the host's is done when its call returns.
inline void synchronize(const Host&) {}

}  // namespace eipnn
