// The sum of gradient vectors ("units", one per configuration of a batch) over all ranks, formed
// so that the result does not depend on how the units are spread over the ranks, nor on N.
//
// Why fixed point: floating-point addition is not associative, so any float sum (including
// MPI_SUM, whose reduction tree depends on N) changes in the last bits when the units move
// between ranks. Integers add exactly in any order. Each unit is converted to int64 with a scale
// 2^s shared by all units, the integers are summed locally and then with MPI_Allreduce(MPI_SUM),
// and the total is converted back once. The scale is chosen per tensor (a range of the flat
// buffer) from the largest |g| of any unit on any rank (an MPI_MAX, which is exact), so that
// n_units * max|g| * 2^s < 2^62: no overflow, and a resolution of about 2^-62 of the largest
// gradient, finer than float or double rounding of the sum itself. The quantisation is a
// function of the units alone, hence the same for every N.
#pragma once
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
        : n_(n), ranges_(std::move(ranges)), local_max_(ranges_.size(), 0.0) {}

    void clear() {
        units_.clear();
        std::fill(local_max_.begin(), local_max_.end(), 0.0);
        finite_ = true;
    }

    // Keeps a copy of one unit's gradient (length n) until reduce(): the scale is not known yet.
    void add_unit(const std::vector<T>& g) {
        units_.push_back(g);
        for (std::size_t r = 0; r < ranges_.size(); ++r)
            for (std::size_t i = ranges_[r].first; i < ranges_[r].second; ++i) {
                const double a = std::abs(double(g[i]));
                if (!std::isfinite(a)) finite_ = false;
                else if (a > local_max_[r]) local_max_[r] = a;
            }
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
        std::vector<double> max = local_max_;
        comm.allreduce_max(max);
        int k = 0;  // n_units <= 2^k
        while ((std::size_t(1) << k) < n_units) ++k;
        std::vector<int> shift(ranges_.size(), 0);
        for (std::size_t r = 0; r < ranges_.size(); ++r) {
            int e = 0;
            std::frexp(max[r], &e);  // max < 2^e
            shift[r] = 62 - e - k;   // every |q| <= 2^(62-k), the sum of n_units of them <= 2^62
        }
        std::vector<std::int64_t> acc(n_, 0);
        for (const std::vector<T>& g : units_)
            for (std::size_t r = 0; r < ranges_.size(); ++r) {
                if (max[r] == 0) continue;
                for (std::size_t i = ranges_[r].first; i < ranges_[r].second; ++i)
                    acc[i] += std::int64_t(std::nearbyint(std::ldexp(double(g[i]), shift[r])));
            }
        comm.allreduce_sum(acc);
        for (std::size_t r = 0; r < ranges_.size(); ++r) {
            if (max[r] == 0) continue;
            for (std::size_t i = ranges_[r].first; i < ranges_[r].second; ++i)
                out[i] = T(std::ldexp(double(acc[i]), -shift[r]));
        }
        return true;
    }

private:
    std::size_t n_;
    std::vector<std::pair<std::size_t, std::size_t>> ranges_;
    std::vector<std::vector<T>> units_;
    std::vector<double> local_max_;
    bool finite_ = true;
};

}  // namespace eipnn
