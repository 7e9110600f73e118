// Owning device memory on the host side: allocation, copies, and views for the functors.
// `d_` prefixes in host code mark device pointers (DESIGN habit 14).
#pragma once
#include <cuda_runtime.h>

#include <utility>
#include <vector>

#include "eipnn/core/view.hpp"
#include "eipnn/cuda/check.cuh"

namespace eipnn::gpu {

template <class T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t n) { resize(n); }
    explicit DeviceBuffer(const std::vector<T>& host) { upload(host); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : d_data_(std::exchange(o.d_data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            release();
            d_data_ = std::exchange(o.d_data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            capacity_ = std::exchange(o.capacity_, 0);
        }
        return *this;
    }
    ~DeviceBuffer() { release(); }

    // Contents are undefined after a resize that changes the size. The allocation only grows (as a
    // std::vector's capacity): the passes resize their scratch to each layer's shape every step,
    // and cudaFree synchronises the device.
    void resize(std::size_t n) {
        if (n > capacity_) {
            release();
            EIPNN_CUDA_CHECK(cudaMalloc(&d_data_, n * sizeof(T)));
            capacity_ = n;
        }
        size_ = n;
    }
    template <class A>
    void upload(const std::vector<T, A>& host) {
        resize(host.size());
        if (size_ > 0) EIPNN_CUDA_CHECK(cudaMemcpy(d_data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice));
    }
    // Into any host vector (e.g. the LargeVectors of a NeighborList), resized to fit.
    template <class A>
    void download_into(std::vector<T, A>& host) const {
        host.resize(size_);
        if (size_ > 0) EIPNN_CUDA_CHECK(cudaMemcpy(host.data(), d_data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
    }
    std::vector<T> download() const {
        std::vector<T> host;
        download_into(host);
        return host;
    }

    T* data() { return d_data_; }
    const T* data() const { return d_data_; }
    std::size_t size() const { return size_; }
    Span<T> span() { return {d_data_, index_t(size_)}; }
    Span<const T> span() const { return {d_data_, index_t(size_)}; }
    MatrixView<T> matrix(index_t cols) { return {d_data_, index_t(size_ / std::size_t(cols)), cols}; }
    MatrixView<const T> matrix(index_t cols) const { return {d_data_, index_t(size_ / std::size_t(cols)), cols}; }

private:
    void release() {
        if (d_data_) cudaFree(d_data_);  // never throws from a destructor path
        d_data_ = nullptr;
        size_ = 0;
        capacity_ = 0;
    }
    T* d_data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

// The views every backend's buffers offer (core/view.hpp has them for host vectors); in this
// namespace so that code templated on the backend finds them by argument-dependent lookup.
template <class T>
Span<T> span_of(gpu::DeviceBuffer<T>& b) { return b.span(); }
template <class T>
Span<const T> span_of(const gpu::DeviceBuffer<T>& b) { return b.span(); }
template <class T>
MatrixView<T> matrix_of(gpu::DeviceBuffer<T>& b, index_t cols) { return b.matrix(cols); }
template <class T>
MatrixView<const T> matrix_of(const gpu::DeviceBuffer<T>& b, index_t cols) { return b.matrix(cols); }

}  // namespace eipnn::gpu
