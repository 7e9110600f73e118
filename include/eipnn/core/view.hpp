// Non-owning views: a pointer plus extents, passed by value into host and device functors.
// Owners (std::vector on the host, device buffers in kernels/) hand out views; views never free.
#pragma once
#include <cstddef>
#include <type_traits>
#include <vector>

#include "eipnn/core/config.hpp"

namespace eipnn {

// 1-D view: (size)
template <class T>
struct Span {
    T* data = nullptr;
    index_t size = 0;

    EIPNN_HD T& operator[](index_t i) const { return data[i]; }
    EIPNN_HD T* begin() const { return data; }
    EIPNN_HD T* end() const { return data + size; }

    // A view of mutable elements is also a view of const ones.
    template <class U, class = std::enable_if_t<std::is_same_v<U, const T> && !std::is_const_v<T>>>
    EIPNN_HD operator Span<U>() const { return {data, size}; }
};

// Row-major 2-D view: (rows, cols)
template <class T>
struct MatrixView {
    T* data = nullptr;
    index_t rows = 0;
    index_t cols = 0;

    EIPNN_HD T& operator()(index_t r, index_t c) const { return data[std::size_t(r) * cols + c]; }
    EIPNN_HD T* row(index_t r) const { return data + std::size_t(r) * cols; }

    template <class U, class = std::enable_if_t<std::is_same_v<U, const T> && !std::is_const_v<T>>>
    EIPNN_HD operator MatrixView<U>() const { return {data, rows, cols}; }
};

// Views of host owners (any allocator). The const overloads give views of const elements.
template <class T, class A>
Span<T> span_of(std::vector<T, A>& v) { return {v.data(), index_t(v.size())}; }
template <class T, class A>
Span<const T> span_of(const std::vector<T, A>& v) { return {v.data(), index_t(v.size())}; }
template <class T, class A>
MatrixView<T> matrix_of(std::vector<T, A>& v, index_t cols) {
    return {v.data(), index_t(v.size() / std::size_t(cols)), cols};
}
template <class T, class A>
MatrixView<const T> matrix_of(const std::vector<T, A>& v, index_t cols) {
    return {v.data(), index_t(v.size() / std::size_t(cols)), cols};
}

// A view is its own view: code written for owners also takes views (a GraphBatchView's spans).
template <class T>
EIPNN_HD Span<T> span_of(Span<T> s) { return s; }
template <class T>
EIPNN_HD MatrixView<T> matrix_of(Span<T> s, index_t cols) { return {s.data, s.size / cols, cols}; }

}  // namespace eipnn
