// Piecewise-cubic interpolation of a function tabulated on a uniform grid, in the scheme the
// DYNAMO/LAMMPS EAM tables are evaluated with, so tabulated EAM files give LAMMPS' numbers:
//   node slopes (in grid units) from the 5-point stencil (f[m-2] - f[m+2] + 8 (f[m+1] - f[m-1]))/12,
//   one-sided / 3-point at the ends; each interval is the cubic Hermite polynomial through the
//   two node values and slopes (so value and first derivative are continuous: a C1 spline).
// Per node seven coefficients, in the order LAMMPS keeps them:
//   c0..c2: derivative polynomial (per Å / per density unit), d(p) = (c0 p + c1) p + c2
//   c3..c6: value polynomial in the fractional position p in [0, 1], v(p) = ((c3 p + c4) p + c5) p + c6
// Evaluation clamps like LAMMPS: positions past the last interval stay at p = 1 of it.
#pragma once
#include <cstddef>
#include <vector>

#include "eipnn/core/config.hpp"

namespace eipnn {

inline constexpr int kTableSplineCoeffs = 7;

// Coefficients (n, 7) for samples f[0..n) spaced `delta` apart. n >= 5 (checked by the callers).
inline std::vector<double> uniform_table_spline(const std::vector<double>& f, double delta) {
    const std::size_t n = f.size();
    std::vector<double> s(n * kTableSplineCoeffs, 0.0);
    auto c = [&](std::size_t m, int k) -> double& { return s[m * kTableSplineCoeffs + std::size_t(k)]; };
    for (std::size_t m = 0; m < n; ++m) c(m, 6) = f[m];
    c(0, 5) = c(1, 6) - c(0, 6);
    c(1, 5) = 0.5 * (c(2, 6) - c(0, 6));
    c(n - 2, 5) = 0.5 * (c(n - 1, 6) - c(n - 3, 6));
    c(n - 1, 5) = c(n - 1, 6) - c(n - 2, 6);
    for (std::size_t m = 2; m + 2 < n; ++m)
        c(m, 5) = ((c(m - 2, 6) - c(m + 2, 6)) + 8.0 * (c(m + 1, 6) - c(m - 1, 6))) / 12.0;
    for (std::size_t m = 0; m + 1 < n; ++m) {
        // Hermite cubic through (v_m, slope_m) and (v_m+1, slope_m+1) in grid units
        c(m, 4) = 3.0 * (c(m + 1, 6) - c(m, 6)) - 2.0 * c(m, 5) - c(m + 1, 5);
        c(m, 3) = c(m, 5) + c(m + 1, 5) - 2.0 * (c(m + 1, 6) - c(m, 6));
    }
    c(n - 1, 4) = 0.0;
    c(n - 1, 3) = 0.0;
    for (std::size_t m = 0; m < n; ++m) {
        c(m, 2) = c(m, 5) / delta;
        c(m, 1) = 2.0 * c(m, 4) / delta;
        c(m, 0) = 3.0 * c(m, 3) / delta;
    }
    return s;
}

// Where x falls in a table of n nodes with inverse spacing inv_delta: node index m (0-based) and
// fraction p, with LAMMPS' clamping (m <= n - 2, p <= 1). x >= 0 is assumed (radii, densities).
template <class T>
struct TablePoint {
    int m;
    T p;
};

template <class T>
EIPNN_HD TablePoint<T> table_point(T x, T inv_delta, int n) {
    T p = x * inv_delta + T(1);
    // 1-based node, as LAMMPS computes it, clamped to [1, n - 1] before the conversion: int() of
    // NaN or of a value beyond int's range is undefined. NaN takes the last node and stays in p,
    // so the result is NaN, as the input.
    const int m = p < T(n - 1) ? (p > T(1) ? int(p) : 1) : n - 1;
    p -= T(m);
    p = p < T(1) ? p : (p >= T(1) ? T(1) : p);
    return {m - 1, p};
}

// Value and derivative of the tabulated function at a table point; coeffs is (n, 7).
template <class T>
EIPNN_HD T table_value(const T* coeffs, TablePoint<T> tp) {
    const T* c = coeffs + std::size_t(tp.m) * kTableSplineCoeffs;
    return ((c[3] * tp.p + c[4]) * tp.p + c[5]) * tp.p + c[6];
}
template <class T>
EIPNN_HD T table_derivative(const T* coeffs, TablePoint<T> tp) {
    const T* c = coeffs + std::size_t(tp.m) * kTableSplineCoeffs;
    return (c[0] * tp.p + c[1]) * tp.p + c[2];
}

}  // namespace eipnn
