// What a backend is, and the algorithms written once on top of it.
//
// A backend (Host: core/host_backend.hpp; Cuda: kernels/eipnn/cuda/backend.cuh) is a small value
// passed first to every call; code templated on it runs on either. Both offer, with the same
// arguments (`b` the backend, views of its own memory):
//
//   types       B::Buffer<T>                 owning memory (std::vector / gpu::DeviceBuffer);
//                                            span_of(buf), matrix_of(buf, cols) view it
//               B::LargeBuffer<T>            the same for big per-edge arrays (huge pages on the
//                                            host)
//               B::Workspace                 scratch bytes for primitives that need them
//   loops       for_each(b, n, f)            f(i), i in [0, n): one thread per index on the device,
//                                            static ranges on the host
//               for_each_dynamic(b, n, f)    the same for indices of uneven cost
//               for_each_task(b, n, f)       few heavy, uneven indices (whole configurations)
//               for_each_block(b, n, f)      few heavy blocks (tiles, GEMM row blocks)
//               for_each_owned_two_phase(b, n, prefix, granule, f1, f2)
//                                            f1 on every index, then f2 on every granule
//   scans       exclusive_scan(b, in, out, ws)
//               segment_sum(b, offsets, values, out, ws)
//   reductions  reduce_sum<T>(b, n, f, ws)   below: deterministic, one summation order on both
//               reduce_sum / reduce_max / reduce_min(b, span, ws)
//   GEMM        gemm(b, A, transpose_a, B, transpose_b, C, accumulate)   row-major views
//                                            (Eigen on the host, nn/dense.hpp; cuBLAS on the device)
//   memory      zero(b, span), copy(b, from, to), upload(b, host_vector, buffer),
//               download(b, span, host_vector), synchronize(b); stage(b, host_span, buffer)
//               below: a host span where b reads it (no copy on the host)
//
// Where the Host has a faster hand-fused form of a layer, it is an overload taking `const Host&`;
// the form for every other backend takes `const B&`. GenericHost (below) runs the latter on the
// CPU.
//
// A functor passed to a loop is a const struct with an EIPNN_HD operator()(index_t): the same
// body runs in both. Host-only lambdas are fine in code that only the host instantiates.
// Results never depend on the thread count or the launch shape: every output is written by one
// index, and every sum runs in a fixed order (reduce_sum below; the CSR gathers of
// geometry/edge_forces.hpp).
#pragma once
#include <utility>
#include <vector>

#include "eipnn/core/config.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

// The Host backend's loops and memory without its hand-fused overloads (the cfconv tiles, the
// vectorised activations, the row-outer bias and embedding sums): it runs, on the CPU, exactly the
// code path a device runs, so the host tests check that path where no GPU exists.
struct GenericHost : Host {};

template <class B, class T>
using Buffer = typename B::template Buffer<T>;
template <class B, class T>
using LargeBuffer = typename B::template LargeBuffer<T>;

// A host span in b's memory: the span itself on the host; elsewhere uploaded into `staging`.
template <class T>
Span<const T> stage(const Host&, Span<const T> host, std::vector<T>&) {
    return host;
}
template <class B, class T>
Span<const T> stage(const B& b, Span<const T> host, Buffer<B, T>& staging) {
    upload(b, std::vector<T>(host.begin(), host.end()), staging);
    return span_of(std::as_const(staging));
}

// Indices per block of the deterministic reductions: each block is summed in index order by one
// thread, then the block sums in block order on the host.
inline constexpr index_t kReduceBlock = 1024;

namespace detail {

enum class ReduceOp { Sum, Max, Min };

template <class T, ReduceOp Op>
EIPNN_HD T reduce_combine(T a, T b) {
    if constexpr (Op == ReduceOp::Sum) return a + b;
    else if constexpr (Op == ReduceOp::Max) return b > a ? b : a;
    else return b < a ? b : a;
}

// partial[blk] = f(i) combined over the block's indices in order, starting from init.
template <class T, ReduceOp Op, class F>
struct BlockReduce {
    F f;
    index_t n;
    T init;
    Span<T> partial;  // (n_blocks)

    EIPNN_HD void operator()(index_t blk) const {
        const index_t end = (blk + 1) * kReduceBlock < n ? (blk + 1) * kReduceBlock : n;
        T acc = init;
        for (index_t i = blk * kReduceBlock; i < end; ++i) acc = reduce_combine<T, Op>(acc, T(f(i)));
        partial[blk] = acc;
    }
};

template <class T>
struct ReadSpan {
    Span<const T> s;
    EIPNN_HD T operator()(index_t i) const { return s[i]; }
};

template <class T, ReduceOp Op, class B, class F>
T block_reduce(const B& b, index_t n, const F& f, T init, typename B::Workspace&) {
    const index_t n_blocks = (n + kReduceBlock - 1) / kReduceBlock;
    Buffer<B, T> partial(static_cast<std::size_t>(n_blocks));
    for_each(b, n_blocks, BlockReduce<T, Op, F>{f, n, init, span_of(partial)});
    std::vector<T> host_partial;
    download(b, Span<const T>(span_of(partial)), host_partial);
    T total = init;
    for (const T& p : host_partial) total = reduce_combine<T, Op>(total, p);
    return total;
}

}  // namespace detail

// Sum of f(i) over [0, n) in one fixed order on every backend and for any thread count (blocks
// of kReduceBlock in index order, then the blocks in order): the same bits everywhere, except that
// nvcc may fuse an a*b+c (inside f, or f's product with the sum) into one instruction. f returns
// something convertible to T.
template <class T, class B, class F>
T reduce_sum(const B& b, index_t n, const F& f, typename B::Workspace& ws) {
    return detail::block_reduce<T, detail::ReduceOp::Sum>(b, n, f, T(0), ws);
}
template <class T, class B, class F>
T reduce_sum(const B& b, index_t n, const F& f) {
    typename B::Workspace ws;
    return reduce_sum<T>(b, n, f, ws);
}

template <class T, class B>
T reduce_sum(const B& b, Span<const T> in, typename B::Workspace& ws) {
    return reduce_sum<T>(b, in.size, detail::ReadSpan<T>{in}, ws);
}

// Largest / smallest element; `init` for an empty span.
template <class T, class B>
T reduce_max(const B& b, Span<const T> in, T init, typename B::Workspace& ws) {
    return detail::block_reduce<T, detail::ReduceOp::Max>(b, in.size, detail::ReadSpan<T>{in}, init, ws);
}
template <class T, class B>
T reduce_min(const B& b, Span<const T> in, T init, typename B::Workspace& ws) {
    return detail::block_reduce<T, detail::ReduceOp::Min>(b, in.size, detail::ReadSpan<T>{in}, init, ws);
}

}  // namespace eipnn
