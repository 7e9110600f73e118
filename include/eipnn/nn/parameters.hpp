// All trainable parameters of a model in one flat buffer with named views, so the optimizer,
// gradient clipping and checkpoints see one array and a layer sees a matrix. Every entry starts
// on a 64-byte boundary (16 floats) so SIMD loads of a row start aligned.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

struct ParameterEntry {
    std::string name;   // "interaction0.filter1.W"
    index_t offset;     // into the flat buffer
    index_t rows, cols; // row-major matrix view; a bias is (1, n)
    index_t size() const { return rows * cols; }
};

// The layout only: names, shapes, offsets. Shared by the values and their gradients.
class ParameterLayout {
public:
    static constexpr index_t kAlign = 16;

    index_t add(const std::string& name, index_t rows, index_t cols) {
        if (rows <= 0 || cols <= 0)
            throw Error(str("parameter '", name, "' has shape (", rows, ", ", cols, ")"), "ParameterLayout::add",
                        "every size of the model must be positive");
        if (find(name) >= 0) throw Error(str("parameter '", name, "' added twice"), "ParameterLayout::add");
        const index_t offset = (total_ + kAlign - 1) / kAlign * kAlign;
        entries_.push_back({name, offset, rows, cols});
        total_ = offset + rows * cols;
        return index_t(entries_.size() - 1);
    }
    index_t find(const std::string& name) const {
        for (std::size_t k = 0; k < entries_.size(); ++k)
            if (entries_[k].name == name) return index_t(k);
        return -1;
    }
    const ParameterEntry& entry(const std::string& name) const {
        const index_t k = find(name);
        if (k < 0) throw Error(str("no parameter named '", name, "'"), "ParameterLayout");
        return entries_[std::size_t(k)];
    }
    const std::vector<ParameterEntry>& entries() const { return entries_; }
    index_t total() const { return total_; }  // flat buffer length, padding included

private:
    std::vector<ParameterEntry> entries_;
    index_t total_ = 0;
};

// Named views into a flat buffer laid out by `layout`, in any backend's memory (T const for
// values, mutable for gradients); data == nullptr: no buffer (e.g. no gradients wanted).
template <class T>
struct ParameterViews {
    const ParameterLayout* layout = nullptr;
    T* data = nullptr;

    explicit operator bool() const { return data != nullptr; }
    MatrixView<T> view(const std::string& name) const {
        if (!data) return {};
        const ParameterEntry& e = layout->entry(name);
        return {data + e.offset, e.rows, e.cols};
    }
};

// A flat buffer laid out by a ParameterLayout (values, or gradients of the same shape). Padding
// stays zero so norms over the whole buffer equal norms over the parameters.
template <class T>
struct ParameterBuffer {
    const ParameterLayout* layout = nullptr;
    std::vector<T> data;

    ParameterBuffer() = default;
    explicit ParameterBuffer(const ParameterLayout& l) : layout(&l), data(std::size_t(l.total()), T(0)) {}

    MatrixView<T> view(const std::string& name) { return at(layout->entry(name)); }
    MatrixView<const T> view(const std::string& name) const { return at(layout->entry(name)); }
    MatrixView<T> at(const ParameterEntry& e) { return {data.data() + e.offset, e.rows, e.cols}; }
    MatrixView<const T> at(const ParameterEntry& e) const { return {data.data() + e.offset, e.rows, e.cols}; }
    void zero() { std::fill(data.begin(), data.end(), T(0)); }
    ParameterViews<const T> views() const { return {layout, data.data()}; }
    ParameterViews<T> views() { return {layout, data.data()}; }
    Span<T> flat() { return span_of(data); }
};

}  // namespace eipnn
