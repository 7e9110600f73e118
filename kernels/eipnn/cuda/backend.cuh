// The Cuda backend: the device twin of core/host_backend.hpp, with the same function names so an
// algorithm written against a backend runs on both. for_each launches the grid-stride trampoline;
// scans, sorts and segmented reductions are CUB's device-wide primitives.
#pragma once
#include <cub/cub.cuh>

#include "eipnn/core/view.hpp"
#include "eipnn/cuda/check.cuh"
#include "eipnn/cuda/device_buffer.cuh"
#include "eipnn/cuda/launch.cuh"

namespace eipnn {

struct Cuda {
    cudaStream_t stream = nullptr;
    int block_size = 256;
};

template <class F>
void for_each(const Cuda& dev, index_t n, const F& f) {
    if (n <= 0) return;
    // Enough blocks to fill the device several times over; the grid-stride loop covers the rest.
    const index_t max_blocks = 65535;
    const index_t blocks = std::min<index_t>(max_blocks, (n + dev.block_size - 1) / dev.block_size);
    gpu::for_each_kernel<<<blocks, dev.block_size, 0, dev.stream>>>(f, n);
    EIPNN_CUDA_CHECK_LAUNCH("for_each_kernel");
}

// Same contract as the host version; load-balanced variants are not needed on the device.
template <class F>
void for_each_dynamic(const Cuda& dev, index_t n, const F& f) { for_each(dev, n, f); }

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

// Sum of a device span (result copied back to the host; synchronises the stream).
template <class T>
T reduce_sum(const Cuda& dev, Span<const T> in, gpu::TempStorage& tmp) {
    gpu::DeviceBuffer<T> d_out(1);
    std::size_t bytes = 0;
    EIPNN_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, bytes, in.data, d_out.data(), in.size, dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceReduce::Sum(tmp.get(bytes), bytes, in.data, d_out.data(), in.size, dev.stream));
    return d_out.download()[0];
}

template <class T>
T reduce_min(const Cuda& dev, Span<const T> in, gpu::TempStorage& tmp) {
    gpu::DeviceBuffer<T> d_out(1);
    std::size_t bytes = 0;
    EIPNN_CUDA_CHECK(cub::DeviceReduce::Min(nullptr, bytes, in.data, d_out.data(), in.size, dev.stream));
    EIPNN_CUDA_CHECK(cub::DeviceReduce::Min(tmp.get(bytes), bytes, in.data, d_out.data(), in.size, dev.stream));
    return d_out.download()[0];
}

}  // namespace eipnn
