// The sum of gradient vectors ("units", one per configuration of a batch) over all ranks, formed
// so that the result does not depend on how the units are spread over the ranks, nor on N.
//
// Why fixed point: floating-point addition is not associative, so any float sum (including
// MPI_SUM, whose reduction tree depends on N) changes in the last bits when the units move
// between ranks. Integers add exactly in any order. Each unit is converted to int64 with a scale
// 2^s shared by all units (truncated toward zero), the integers are summed locally and then with
// MPI_Allreduce(MPI_SUM), and the total is converted back once. The scale is chosen per tensor (a
// range of the flat buffer) from the largest |g| of any unit on any rank (an MPI_MAX, exact), so that
// n_units * max|g| * 2^s < 2^62: no overflow, and a resolution of about 2^-62 of the largest
// gradient, finer than float or double rounding of the sum itself. The quantisation is a
// function of the units alone, hence the same for every N.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "eipnn/parallel/communicator.hpp"

namespace eipnn {

template <class T>
class ExactUnitSum {
public:
    // ranges: [begin, end) of the flat buffer that share one scale (e.g. one per parameter tensor);
    // elements outside every range (padding) are summed as zero.
    ExactUnitSum(std::size_t n, std::vector<std::pair<std::size_t, std::size_t>> ranges)
        : n_(n), ranges_(std::move(ranges)) {}

    void clear() {
        count_ = 0;
        std::fill(max_.begin(), max_.end(), 0.0);
        finite_ = true;
    }

    // A zeroed buffer (length n) for the next unit's gradient, kept until reduce() (the scale is not
    // known before every unit is in). The buffers are reused from step to step: no allocation, and
    // the caller's backward writes straight into it, no copy. Call seal_unit() once it is written.
    std::vector<T>& next_unit() {
        if (count_ == units_.size()) units_.emplace_back(n_, T(0));
        std::vector<T>& u = units_[count_++];
        std::fill(u.begin(), u.end(), T(0));
        return u;
    }

    // Takes the largest |g| per range of the unit just written (while it is still in cache).
    void seal_unit() {
        const std::vector<T>& g = units_.at(count_ - 1);
        for (std::size_t r = 0; r < ranges_.size(); ++r) {
            const RangeScan scan = scan_range(g.data() + ranges_[r].first, ranges_[r].second - ranges_[r].first);
            finite_ = finite_ && scan.finite;
            max_[r] = std::max(max_[r], scan.max);
        }
    }

    // Keeps a copy of one unit's gradient (length n).
    void add_unit(const std::vector<T>& g) {
        next_unit() = g;
        seal_unit();
    }

    // out (length n) = the sum over every rank's units; n_units: their number over all ranks.
    // Collective: every rank calls it. A non-finite unit anywhere makes `out` NaN everywhere
    // (the trainer then stops as it does on a NaN loss) and returns false.
    bool reduce(const Communicator& comm, std::size_t n_units, std::vector<T>& out) const {
        out.assign(n_, T(0));
        if (comm.any(!finite_)) {
            std::fill(out.begin(), out.end(), T(NAN));
            return false;
        }
        std::vector<double> max = max_;
        comm.allreduce_max(max);
        int k = 0;  // n_units <= 2^k
        while ((std::size_t(1) << k) < n_units) ++k;
        std::vector<std::int64_t> acc(n_, 0);
        std::vector<int> shift(ranges_.size(), 0);
        for (std::size_t r = 0; r < ranges_.size(); ++r) {
            if (max[r] == 0) continue;
            int e = 0;
            std::frexp(max[r], &e);  // max < 2^e
            shift[r] = 62 - e - k;   // every |q| < 2^(62-k), so the sum of n_units of them stays below 2^62
            // g * 2^s is exact (a power of two), unless 2^s itself is not a double (a range whose
            // largest gradient is below ~1e-280): then ldexp per element. The conversion truncates
            // toward zero: a function of the value alone, so the same on every rank, error below 2^-s.
            const bool fast = shift[r] < 1000;
            const double scale = fast ? std::ldexp(1.0, shift[r]) : 0.0;
            // in chunks that stay in cache while every unit adds to them: each unit is read once
            constexpr std::size_t kChunk = 2048;
            for (std::size_t c0 = ranges_[r].first; c0 < ranges_[r].second; c0 += kChunk) {
                const std::size_t len = std::min(kChunk, ranges_[r].second - c0);
                std::int64_t* a = acc.data() + c0;
                for (std::size_t u = 0; u < count_; ++u) {
                    const T* g = units_[u].data() + c0;
                    if (fast)
                        for (std::size_t i = 0; i < len; ++i) a[i] += std::int64_t(double(g[i]) * scale);
                    else
                        for (std::size_t i = 0; i < len; ++i) a[i] += std::int64_t(std::ldexp(double(g[i]), shift[r]));
                }
            }
        }
        comm.allreduce_sum(acc);
        for (std::size_t r = 0; r < ranges_.size(); ++r) {
            if (max[r] == 0) continue;
            // times 2^-s: the correctly rounded product, i.e. ldexp's result, while 2^-s is a normal
            // double; beyond (a range whose largest gradient is below ~1e-290) ldexp per element
            if (shift[r] >= -1023 && shift[r] <= 1022) {
                const double unscale = std::ldexp(1.0, -shift[r]);
                for (std::size_t i = ranges_[r].first; i < ranges_[r].second; ++i) out[i] = T(double(acc[i]) * unscale);
            } else {
                for (std::size_t i = ranges_[r].first; i < ranges_[r].second; ++i)
                    out[i] = T(std::ldexp(double(acc[i]), -shift[r]));
            }
        }
        return true;
    }

private:
    struct RangeScan {
        double max = 0;
        bool finite = true;
    };

    // max |x| and whether every x is finite, over len values; kLanes independent partial results
    // so that the loop vectorises (a max is exact in any order).
    static RangeScan scan_range(const T* x, std::size_t len) {
        constexpr std::size_t kLanes = 16;
        T m[kLanes] = {}, z[kLanes] = {};  // z stays 0 unless some x is Inf or NaN (x * 0 is NaN then)
        std::size_t i = 0;
        for (; i + kLanes <= len; i += kLanes)
            for (std::size_t j = 0; j < kLanes; ++j) {
                const T a = std::abs(x[i + j]);
                m[j] = a > m[j] ? a : m[j];
                z[j] += x[i + j] * T(0);
            }
        for (; i < len; ++i) {
            const T a = std::abs(x[i]);
            m[0] = a > m[0] ? a : m[0];
            z[0] += x[i] * T(0);
        }
        RangeScan s;
        for (std::size_t j = 0; j < kLanes; ++j) {
            s.max = std::max(s.max, double(m[j]));
            s.finite = s.finite && z[j] == T(0);
        }
        return s;
    }

    std::size_t n_;
    std::vector<std::pair<std::size_t, std::size_t>> ranges_;
    std::vector<std::vector<T>> units_;
    std::size_t count_ = 0;
    std::vector<double> max_ = std::vector<double>(ranges_.size(), 0.0);  // per range, over the sealed units
    bool finite_ = true;
};

}  // namespace eipnn
