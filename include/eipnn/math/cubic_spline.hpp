// Cubic splines on uniformly spaced knots with prescribed first derivatives at both ends
// ("clamped"), extended linearly outside the knots with those end derivatives: the splines of the
// spline-MEAM potentials (Lenosky et al. 2000), evaluated the way LAMMPS' `meam/spline` does
// (knot second derivatives from the clamped tridiagonal system, value and slope from the local
// cubic in the shifted coordinate x - x0), so the numbers agree to round-off.
#pragma once
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "eipnn/core/config.hpp"
#include "eipnn/core/error.hpp"

namespace eipnn {

// Device-friendly view of one spline; arrays are (n) and owned by a CubicSpline.
template <class T>
struct CubicSplineView {
    const T* y = nullptr;       // values at the knots
    const T* y2 = nullptr;      // second derivatives / (6 h)
    const T* ydelta = nullptr;  // (y[k+1] - y[k]) / h
    const T* xs = nullptr;      // knots shifted to start at 0
    int n = 0;
    T x0 = 0, h = 0, inv_h = 0, h_sq = 0, span = 0;  // span = x_last - x0
    T deriv0 = 0, derivN = 0;

    // Value; dy_dx gets the first derivative.
    EIPNN_HD T operator()(T x, T& dy_dx) const {
        x -= x0;
        if (!(x > T(0))) {  // NaN too: the result is NaN, and the int() below never sees it
            dy_dx = deriv0;
            return y[0] + deriv0 * x;
        }
        if (x >= span) {
            dy_dx = derivN;
            return y[n - 1] + derivN * (x - span);
        }
        int lo = int(x * inv_h);       // 0 < x < span: within [0, n - 1]
        lo = lo < n - 2 ? lo : n - 2;  // x just below span may round onto the last knot
        const int hi = lo + 1;
        const T a = xs[hi] - x;        // distance to the right knot
        const T b = h - a;
        dy_dx = ydelta[lo] + ((T(3) * b * b - h_sq) * y2[hi] - (T(3) * a * a - h_sq) * y2[lo]);
        return y[hi] - a * ydelta[lo] + ((a * a - h_sq) * a * y2[lo] + (b * b - h_sq) * b * y2[hi]);
    }
    EIPNN_HD T operator()(T x) const {
        T d;
        return (*this)(x, d);
    }
    EIPNN_HD T x_last() const { return x0 + span; }
};

// Owner: knots, end derivatives, and the prepared arrays in double and float.
class CubicSpline {
public:
    CubicSpline() = default;
    // Knots must be uniformly spaced (to 1e-8, as LAMMPS requires); `where` names them for errors.
    CubicSpline(std::vector<double> x, std::vector<double> y, double deriv0, double derivN, const std::string& where)
        : x_(std::move(x)), y_(std::move(y)), deriv0_(deriv0), derivN_(derivN) {
        const int n = int(x_.size());
        if (n < 2 || y_.size() != x_.size())
            throw Error(str("a spline needs at least 2 knots, got ", n), where);
        const double xmin = x_[0], xmax = x_[std::size_t(n - 1)];
        h_ = (xmax - xmin) / (n - 1);
        if (!(h_ > 0)) throw Error("spline knots must increase", where);
        // Second derivatives of the clamped spline (tridiagonal system, forward sweep then back).
        std::vector<double> y2(static_cast<std::size_t>(n)), u(static_cast<std::size_t>(n));
        auto X = [&](int i) { return x_[std::size_t(i)]; };
        auto Y = [&](int i) { return y_[std::size_t(i)]; };
        y2[0] = -0.5;
        u[0] = (3.0 / (X(1) - X(0))) * ((Y(1) - Y(0)) / (X(1) - X(0)) - deriv0_);
        for (int i = 1; i <= n - 2; ++i) {
            const double sig = (X(i) - X(i - 1)) / (X(i + 1) - X(i - 1));
            const double p = sig * y2[std::size_t(i - 1)] + 2.0;
            y2[std::size_t(i)] = (sig - 1.0) / p;
            double ui = (Y(i + 1) - Y(i)) / (X(i + 1) - X(i)) - (Y(i) - Y(i - 1)) / (X(i) - X(i - 1));
            u[std::size_t(i)] = (6.0 * ui / (X(i + 1) - X(i - 1)) - sig * u[std::size_t(i - 1)]) / p;
            if (std::abs(h_ * i + xmin - X(i)) > 1e-8)
                throw Error(str("spline knot ", i + 1, " at x = ", X(i), " is off the uniform grid (expected ", h_ * i + xmin, ")"),
                            where, "spline-MEAM files (as in LAMMPS) need equally spaced knots");
        }
        const double qn = 0.5;
        const double un = (3.0 / (X(n - 1) - X(n - 2))) * (derivN_ - (Y(n - 1) - Y(n - 2)) / (X(n - 1) - X(n - 2)));
        y2[std::size_t(n - 1)] = (un - qn * u[std::size_t(n - 2)]) / (qn * y2[std::size_t(n - 2)] + 1.0);
        for (int k = n - 2; k >= 0; --k) y2[std::size_t(k)] = y2[std::size_t(k)] * y2[std::size_t(k + 1)] + u[std::size_t(k)];
        ydelta_.assign(std::size_t(n), 0.0);
        xs_.assign(std::size_t(n), 0.0);
        for (int i = 0; i < n; ++i) {
            xs_[std::size_t(i)] = X(i) - xmin;
            if (i < n - 1) ydelta_[std::size_t(i)] = (Y(i + 1) - Y(i)) / h_;
            y2[std::size_t(i)] /= h_ * 6.0;
        }
        y2_ = std::move(y2);
        yf_.assign(y_.begin(), y_.end());
        y2f_.assign(y2_.begin(), y2_.end());
        ydeltaf_.assign(ydelta_.begin(), ydelta_.end());
        xsf_.assign(xs_.begin(), xs_.end());
    }

    double x_first() const { return x_.front(); }
    double x_last() const { return x_.back(); }
    int size() const { return int(x_.size()); }

    template <class T>
    CubicSplineView<T> view() const {
        CubicSplineView<T> v;
        if constexpr (std::is_same_v<T, double>) {
            v.y = y_.data(), v.y2 = y2_.data(), v.ydelta = ydelta_.data(), v.xs = xs_.data();
        } else {
            v.y = yf_.data(), v.y2 = y2f_.data(), v.ydelta = ydeltaf_.data(), v.xs = xsf_.data();
        }
        v.n = size();
        v.x0 = T(x_.front());
        v.h = T(h_);
        v.inv_h = T(1 / h_);
        v.h_sq = T(h_ * h_);
        v.span = T(x_.back() - x_.front());
        v.deriv0 = T(deriv0_);
        v.derivN = T(derivN_);
        return v;
    }

private:
    std::vector<double> x_, y_, y2_, ydelta_, xs_;
    std::vector<float> yf_, y2f_, ydeltaf_, xsf_;
    double deriv0_ = 0, derivN_ = 0, h_ = 0;
};

}  // namespace eipnn
