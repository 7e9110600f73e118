// The Cuda backend: the device twin of core/host_backend.hpp, with the same functions and arguments
// (core/backend.hpp lists them), so an algorithm written against a backend runs on both. Loops
// launch the grid-stride trampoline; scans and segmented sums are CUB's device-wide primitives;
// GEMMs are cuBLAS on the handle the backend carries (gpu::CudaContext makes one). Sorts are here
// too, for the device neighbour-list builder; the host builder has its own.
#pragma once
#include <cub/cub.cuh>

#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/cuda/check.cuh"
#include "eipnn/cuda/cublas.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/launch.cuh"

namespace eipnn {

namespace gpu {

// CUB's two-phase calls: ask for temporary storage, allocate, run.
class TempStorage {
public:
    void* get(std::size_t bytes) {
        if (bytes > buffer_.size()) buffer_.resize(bytes);
        return buffer_.data();
    }
private:
    DeviceBuffer<unsigned char> buffer_;
};

}  // namespace gpu

struct Cuda {
    cudaStream_t stream = nullptr;
    int block_size = 256;
    cublasHandle_t blas = nullptr;  // gemm needs one: take the backend from a gpu::CudaContext

    template <class T>
    using Buffer = gpu::DeviceBuffer<T>;
    template <class T>
    using LargeBuffer = gpu::DeviceBuffer<T>;
    using Workspace = gpu::TempStorage;
};

namespace gpu {

// Owns what a Cuda backend refers to (the cuBLAS handle; the default stream), and hands out the
// backend value: `gpu::CudaContext ctx; Cuda dev = ctx.backend();`.
class CudaContext {
public:
    CudaContext() : blas_(nullptr) {}
    Cuda backend() const { return Cuda{nullptr, 256, blas_.get()}; }
private:
    CublasHandle blas_;
};

}  // namespace gpu

template <class F>
void for_each(const Cuda& dev, index_t n, const F& f) {
    if (n <= 0) return;
    // Enough blocks to fill the device several times over; the grid-stride loop covers the rest.
    const index_t max_blocks = 65535;
    const index_t blocks = std::min<index_t>(max_blocks, (n + dev.block_size - 1) / dev.block_size);
    gpu::for_each_kernel<<<blocks, dev.block_size, 0, dev.stream>>>(f, n);
    EIPNN_CUDA_CHECK_LAUNCH("for_each_kernel");
}

// The host's scheduling variants: one thread per index on the device serves all of them.
template <class F>
void for_each_dynamic(const Cuda& dev, index_t n, const F& f) { for_each(dev, n, f); }
template <class F>
void for_each_task(const Cuda& dev, index_t n, const F& f) { for_each(dev, n, f); }
template <class F>
void for_each_block(const Cuda& dev, index_t n, const F& f) { for_each(dev, n, f); }

// phase1 on every index, then phase2 on every granule: two launches in stream order (the host
// keeps a granule's phases on one core for its caches; the device has no such affinity).
template <class Prefix, class F1, class F2>
void for_each_owned_two_phase(const Cuda& dev, index_t n, const Prefix&, index_t granule, const F1& phase1,
                              const F2& phase2) {
    for_each(dev, n, phase1);
    for_each(dev, (n + granule - 1) / granule, phase2);
}

// out[k] = sum of in[0..k); in and out are device spans of equal size.
template <class T>
void exclusive_scan(const Cuda& dev, Span<const T> in, Span<T> out, gpu::TempStorage& tmp) {
    std::size_t bytes = 0;
    EIPNN_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, bytes, in.data, out.data, in.size, dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(tmp.get(bytes), bytes, in.data, out.data, in.size, dev.stream));
}

// out[s] = sum of values over [offsets[s], offsets[s+1]).
template <class T>
void segment_sum(const Cuda& dev, Span<const index_t> offsets, Span<const T> values, Span<T> out,
                 gpu::TempStorage& tmp) {
    std::size_t bytes = 0;
    EIPNN_CUDA_CHECK(cub::DeviceSegmentedReduce::Sum(nullptr, bytes, values.data, out.data, out.size, offsets.data,
                                                     offsets.data + 1, dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceSegmentedReduce::Sum(tmp.get(bytes), bytes, values.data, out.data, out.size,
                                                     offsets.data, offsets.data + 1, dev.stream));
}

// Row-major C = op(A) op(B) (+ C when accumulate) on device views, through the backend's cuBLAS
// handle. Shapes: op(A) (m, k), op(B) (k, n), C (m, n).
template <class T>
void gemm(const Cuda& dev, MatrixView<const T> A, bool transpose_a, MatrixView<const T> B, bool transpose_b,
          MatrixView<T> C, bool accumulate) {
    if (!dev.blas)
        throw Error("the Cuda backend has no cuBLAS handle", "gemm(Cuda)",
                    "take the backend from a gpu::CudaContext (ctx.backend())");
    gpu::gemm(dev.blas, A, transpose_a, B, transpose_b, C, accumulate);
}

// ---- memory ----------------------------------------------------------------------------------
template <class T>
void zero(const Cuda& dev, Span<T> s) {
    if (s.size > 0) EIPNN_CUDA_CHECK(cudaMemsetAsync(s.data, 0, std::size_t(s.size) * sizeof(T), dev.stream));
}

template <class T>
void copy(const Cuda& dev, Span<const T> from, Span<T> to) {
    if (from.size > 0)
        EIPNN_CUDA_CHECK(cudaMemcpyAsync(to.data, from.data, std::size_t(from.size) * sizeof(T),
                                         cudaMemcpyDeviceToDevice, dev.stream));
}

template <class T, class A>
void upload(const Cuda&, const std::vector<T, A>& from, gpu::DeviceBuffer<T>& to) {
    to.upload(from);
}

// Waits for the work queued before it (cudaMemcpy on the default stream does).
template <class T, class A>
void download(const Cuda& dev, Span<const T> from, std::vector<T, A>& to) {
    EIPNN_CUDA_CHECK(cudaStreamSynchronize(dev.stream));
    to.resize(std::size_t(from.size));
    if (from.size > 0)
        EIPNN_CUDA_CHECK(cudaMemcpy(to.data(), from.data, std::size_t(from.size) * sizeof(T), cudaMemcpyDeviceToHost));
}

inline void synchronize(const Cuda& dev) { EIPNN_CUDA_CHECK(cudaStreamSynchronize(dev.stream)); }

// Stable sort of (key, value) pairs by key.
template <class K, class V>
void radix_sort_pairs(const Cuda& dev, Span<const K> keys_in, Span<K> keys_out, Span<const V> values_in,
                      Span<V> values_out, gpu::TempStorage& tmp) {
    std::size_t bytes = 0;
    EIPNN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys_in.data, keys_out.data, values_in.data,
                                                     values_out.data, keys_in.size, 0, int(sizeof(K) * 8), dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(tmp.get(bytes), bytes, keys_in.data, keys_out.data,
                                                     values_in.data, values_out.data, keys_in.size, 0,
                                                     int(sizeof(K) * 8), dev.stream));
}

// Stable sort of (key, value) pairs inside each segment [offsets[s], offsets[s+1]).
template <class K, class V>
void segmented_radix_sort_pairs(const Cuda& dev, Span<const index_t> offsets, Span<const K> keys_in,
                                Span<K> keys_out, Span<const V> values_in, Span<V> values_out,
                                gpu::TempStorage& tmp) {
    std::size_t bytes = 0;
    const int n_segments = int(offsets.size - 1);
    EIPNN_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, keys_in.data, keys_out.data,
                                                              values_in.data, values_out.data, keys_in.size,
                                                              n_segments, offsets.data, offsets.data + 1, 0,
                                                              int(sizeof(K) * 8), dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(tmp.get(bytes), bytes, keys_in.data, keys_out.data,
                                                              values_in.data, values_out.data, keys_in.size,
                                                              n_segments, offsets.data, offsets.data + 1, 0,
                                                              int(sizeof(K) * 8), dev.stream));
}

}  // namespace eipnn
