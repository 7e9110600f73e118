// Gaussian radial basis on [0, cutoff]: rbf_k(r) = exp(-gamma (r - mu_k)^2), mu_k = k * spacing,
// spacing = cutoff / (count - 1), gamma = 0.5 / width^2 (width = spacing unless given). This is
// schnetpack's GaussianRBF(n_rbf, cutoff) with centres from linspace(0, cutoff, count).
//
// Window: a Gaussian whose value is below `negligible` relative to 1 adds less than that fraction
// of an O(1) term, i.e. nothing representable, so per r only the centres within
// sqrt(ln(1/negligible) / gamma) of r are evaluated. With the paper's defaults (128 Gaussians on
// [0, 5]) that is about 20 of 128 in double. For wide Gaussians the window is the whole basis.
#pragma once
#include <cmath>
#include <limits>

#include "eipnn/core/config.hpp"
#include "eipnn/core/error.hpp"

namespace eipnn {

struct GaussianBasis {
    index_t count = 0;
    double spacing = 0;  // Å between centres
    double gamma = 0;    // 1/Å^2
    double reach = 0;    // Å: |r - mu| beyond which a Gaussian is negligible

    // Threshold relative to 1: eps(T)^2 for the scalar in use (1e-32 in double, 1e-14 in float).
    static GaussianBasis make(index_t count, double cutoff, double width, double negligible) {
        if (count < 2) throw Error(str("need at least 2 Gaussians, got ", count), "GaussianBasis");
        if (!(cutoff > 0)) throw Error(str("cutoff must be positive, got ", cutoff), "GaussianBasis");
        GaussianBasis b;
        b.count = count;
        b.spacing = cutoff / double(count - 1);
        const double w = width > 0 ? width : b.spacing;
        b.gamma = 0.5 / (w * w);
        b.reach = std::sqrt(std::log(1.0 / negligible) / b.gamma);
        return b;
    }
    template <class T>
    static GaussianBasis make_for(index_t count, double cutoff, double width) {
        const double e = double(std::numeric_limits<T>::epsilon());
        return make(count, cutoff, width, e * e);
    }

    EIPNN_HD double center(index_t k) const { return double(k) * spacing; }

    // [k_begin, k_end): the centres that matter at distance r.
    EIPNN_HD void window(double r, index_t& k_begin, index_t& k_end) const {
        double lo = std::ceil((r - reach) / spacing), hi = std::floor((r + reach) / spacing) + 1;
        lo = lo < 0 ? 0 : lo;
        hi = hi > double(count) ? double(count) : hi;
        k_begin = index_t(lo);
        k_end = hi > lo ? index_t(hi) : k_begin;
    }

    // The most centres any window() can hold: a window spans 2 reach, i.e. at most
    // floor(2 reach / spacing) + 1 centres (one more for rounding at the edges).
    EIPNN_HD index_t max_window() const {
        const double n = std::floor(2.0 * reach / spacing) + 2.0;
        return n < double(count) ? index_t(n) : count;
    }

    // value and d/dr of Gaussian k at r
    template <class T>
    EIPNN_HD void eval(index_t k, double r, T& value, T& d_dr) const {
        const double d = r - center(k);
        const double v = std::exp(-gamma * d * d);
        value = T(v);
        d_dr = T(-2.0 * gamma * d * v);
    }
};

}  // namespace eipnn
