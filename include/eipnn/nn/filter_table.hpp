// Compressed SchNet filters for inference: each interaction block's filter network
//   o(r) = W2^T ssp(W1^T rbf(r) + b1) + b2          (F values; cfconv.hpp)
// depends on the pair distance alone (the species do not enter it), so after training it can be
// replaced by a table over r in [0, cutoff] (the way DeePMD-kit compresses its embedding nets).
// The cosine cutoff is not tabulated: w = o fc stays exact, so the compressed filter still
// vanishes with its derivative at the cutoff.
//
// Interpolation: cubic Hermite on a uniform grid r_k = k h, k = 0 .. n-1, h = cutoff / (n - 1),
// from the exact values o(r_k) AND the exact slopes o'(r_k) at the nodes. The slopes come from the
// model's own forward tangent (cfconv_functors.hpp FilterFirstLayerTangent, the force-training
// code, checked there against finite differences): a1' = rbf' W1, h1' = ssp'(a1) a1', o' = h1' W2.
// On a segment [r_k, r_k + h], t = (r - r_k) / h,
//   p(r)  = h00(t) o_k + h h10(t) o'_k + h01(t) o_k+1 + h h11(t) o'_k+1
//   h00 = 2t^3 - 3t^2 + 1, h10 = t^3 - 2t^2 + t, h01 = -2t^3 + 3t^2, h11 = t^3 - t^2,
// and p'(r) is its exact derivative, so a model that uses p has forces that are exactly -dE/dx
// of that model; p is C1 in r, hence energies and forces stay continuous across the nodes.
// Error (per filter channel, o four times differentiable on the segment):
//   |o - p|   <= h^4 max|o''''| / 384                  (4th order; reached at t = 1/2)
//   |o' - p'| <= sqrt(3) h^3 max|o''''| / 216 (+ o(h^3))  (3rd order; at t = 1/2 +- 1/(2 sqrt 3))
// o'''' is set by the Gaussians: rbf_k has |d^4/dr^4| <= 3 / sigma^4 (sigma their width), and the
// filter is a smoothed sum of them, so the default spacing is a fixed fraction of sigma
// (kFilterTableWidthFraction; measured: filter_table_error below, README, issue 19).
//
// Storage: row k holds o(r_k) then o'(r_k) ((n, 2F), T), so a lookup reads two adjacent rows.
// Building a table is one exact filter evaluation per node (tiles of kPairTile nodes, as the
// forward's filter): a few milliseconds for the paper's 5 blocks of 128 filters.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/nn/activations_host.hpp"
#include "eipnn/nn/cfconv.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/radial_basis.hpp"

namespace eipnn {

// Default grid spacing h = sigma * this (sigma: the Gaussians' width; the paper's basis has
// sigma = 5/127 Å, so h = 0.0049 Å, 1017 nodes, 2 MB per block in double). Measured on SchNets
// trained on mlearn Si, Ge, Mo (their test sets): max |dE| <= 1e-7 eV/atom, max |dF| <= 2.6e-4
// eV/Å against the exact model; sigma / 4 would give 1.7e-3 eV/Å (forces converge at h^3), above
// the 1e-3 goal, so sigma / 8 keeps a factor of 4 of margin.
inline constexpr double kFilterTableWidthFraction = 0.125;

inline double default_filter_table_spacing(const GaussianBasis& basis) {
    return kFilterTableWidthFraction * std::sqrt(0.5 / basis.gamma);
}

// Non-owning view of one block's table, passed by value into the per-pair functors.
template <class T>
struct FilterTableView {
    const T* nodes = nullptr;  // (n_nodes, 2F): o(r_k), then o'(r_k)
    index_t n_nodes = 0, F = 0;
    double spacing = 0;        // Å

    // p(r) into o (F) and p'(r) into o_dr (F). r outside [0, r_max] is clamped to the end
    // segments (pairs sit inside the cutoff; the clamp only absorbs rounding at r_max).
    EIPNN_HD void eval(double r, T* o, T* o_dr) const {
        const double s = r / spacing;
        double k = std::floor(s);
        k = k < 0 ? 0 : (k > double(n_nodes - 2) ? double(n_nodes - 2) : k);
        const double t = s - k, t2 = t * t, t3 = t2 * t;
        // value weights of o_k, o'_k, o_k+1, o'_k+1 and the same for the derivative
        const T v0 = T(2 * t3 - 3 * t2 + 1), v1 = T(spacing * (t3 - 2 * t2 + t)), v2 = T(3 * t2 - 2 * t3),
                v3 = T(spacing * (t3 - t2));
        const T d0 = T((6 * t2 - 6 * t) / spacing), d1 = T(3 * t2 - 4 * t + 1), d2 = -d0, d3 = T(3 * t2 - 2 * t);
        const T* row = nodes + std::size_t(index_t(k)) * std::size_t(2 * F);
        const T *y0 = row, *m0 = row + F, *y1 = row + 2 * F, *m1 = row + 3 * F;
        for (index_t c = 0; c < F; ++c) {
            o[c] = v0 * y0[c] + v1 * m0[c] + v2 * y1[c] + v3 * m1[c];
            o_dr[c] = d0 * y0[c] + d1 * m0[c] + d2 * y1[c] + d3 * m1[c];
        }
    }
};

// One block's table (host owner).
template <class T>
struct FilterTable {
    double spacing = 0;       // Å
    index_t n_nodes = 0, F = 0;
    std::vector<T> nodes;     // (n_nodes, 2F)

    FilterTableView<T> view() const { return {nodes.data(), n_nodes, F, spacing}; }
    double r_max() const { return spacing * double(n_nodes - 1); }
    std::size_t bytes() const { return nodes.size() * sizeof(T); }
};

// Every block's table: what a compressed SchNet holds (schnet.hpp).
template <class T>
struct CompressedFilters {
    double spacing = 0;                  // Å, the grid's (<= the requested spacing)
    std::vector<FilterTable<T>> blocks;  // n_interactions
    std::size_t bytes() const {
        std::size_t b = 0;
        for (const FilterTable<T>& t : blocks) b += t.bytes();
        return b;
    }
};

// The exact filter and its r-derivative at the distances r: rows (n, 2F) as in the table, the
// model's own layers (FilterFirstLayer, its tangent, ssp, the second layer's GEMM) on tiles of
// kPairTile distances. Each tile writes its own rows: the same result for any thread count.
template <class T>
void exact_filter_rows(const Host& host, const FilterParams<T>& fp, const GaussianBasis& basis,
                       const std::vector<double>& r, std::vector<T>& rows) {
    const index_t F = fp.W2.cols, n = index_t(r.size());
    BasisWindowTable<T> window;
    window.compute(host, basis, span_of(std::as_const(r)));
    const BasisWindowView<T> wv = window.view();
    const std::vector<T> ones(r.size(), T(1));  // r_dot = 1: the tangent is d/dr
    rows.resize(std::size_t(n) * std::size_t(2 * F));
    const index_t n_tiles = (n + kPairTile - 1) / kPairTile;
    for_each_block(host, n_tiles, [&](index_t t) {
        const index_t p0 = t * kPairTile, m = std::min(kPairTile, n - p0);
        std::vector<T>& A = detail::tile_scratch<T>(0, std::size_t(kPairTile) * F);   // a1, then h1
        std::vector<T>& D = detail::tile_scratch<T>(1, std::size_t(kPairTile) * F);   // a1', then h1'
        std::vector<T>& S = detail::tile_scratch<T>(2, std::size_t(kPairTile) * F);   // ssp'(a1)
        std::vector<T>& O = detail::tile_scratch<T>(3, std::size_t(2 * kPairTile) * F);  // o | o'
        const FilterFirstLayer<T> layer1{wv, fp.W1, fp.b1, {A.data(), m, F}, p0};
        const FilterFirstLayerTangent<T> tangent{wv, fp.W1, span_of(ones), {D.data(), m, F}, p0};
        for (index_t p = p0; p < p0 + m; ++p) {
            layer1(p);
            tangent(p);
        }
        const Span<T> a1{A.data(), m * F};
        activation_value_slope(Host{1}, Activation::ShiftedSoftplus, Span<const T>(a1), a1, Span<T>{S.data(), m * F});
        for (index_t k = 0; k < m * F; ++k) D[std::size_t(k)] *= S[std::size_t(k)];
        // o = h1 W2 + b2 and o' = h1' W2 side by side in the rows of O (outer stride 2F)
        using Strided = Eigen::Map<EigenRowMajor<T>, 0, Eigen::OuterStride<>>;
        Strided o(O.data(), m, F, Eigen::OuterStride<>(2 * F)), o_dr(O.data() + F, m, F, Eigen::OuterStride<>(2 * F));
        multiply_into(o, ConstRowMap<T>(A.data(), m, F), eigen_map(fp.W2), false);
        o.rowwise() += eigen_map(fp.b2).row(0);
        multiply_into(o_dr, ConstRowMap<T>(D.data(), m, F), eigen_map(fp.W2), false);
        std::copy(O.begin(), O.begin() + std::ptrdiff_t(m) * 2 * F, rows.begin() + std::ptrdiff_t(p0) * 2 * F);
    });
}

// One block's table with grid spacing at most `spacing` (Å) over [0, r_max].
template <class T>
FilterTable<T> build_filter_table(const Host& host, const FilterParams<T>& fp, const GaussianBasis& basis,
                                  double r_max, double spacing) {
    const char* where = "build_filter_table";
    if (!(spacing > 0) || !std::isfinite(spacing))
        throw Error(str("grid spacing ", spacing, " Å is not a positive number"), where,
                    "give a spacing of the order of 0.005 Å (0 picks the default)");
    if (!(r_max > 0)) throw Error(str("the table's range ", r_max, " Å is not positive"), where);
    // (1e-9: a table rebuilt at its own grid's spacing gets the same grid, not one more node)
    const double nodes = std::ceil(r_max / spacing - 1e-9) + 1;
    if (nodes > 1e7)
        throw Error(str("grid spacing ", spacing, " Å over ", r_max, " Å needs ", nodes, " nodes"), where,
                    "use a spacing of at least 1e-6 of the cutoff");
    FilterTable<T> tab;
    tab.n_nodes = std::max<index_t>(2, index_t(nodes));
    tab.spacing = r_max / double(tab.n_nodes - 1);  // the last node sits on the cutoff
    tab.F = fp.W2.cols;
    std::vector<double> r(static_cast<std::size_t>(tab.n_nodes));
    for (index_t k = 0; k < tab.n_nodes; ++k) r[std::size_t(k)] = double(k) * tab.spacing;
    exact_filter_rows(host, fp, basis, r, tab.nodes);
    return tab;
}

// The interpolation error of a table against the exact filter, measured where a quartic's error
// peaks: the value at each segment's midpoint, the slope at t = 1/2 +- 1/(2 sqrt 3). Also the
// largest |o| and |o'| at those points, for scale. (Three exact evaluations per segment: several
// times the build's cost, so it is a separate call.)
struct FilterTableError {
    double value = 0, slope = 0;          // max |o - p|, max |o' - p'|
    double max_value = 0, max_slope = 0;  // max |o|, max |o'|
};

template <class T>
FilterTableError filter_table_error(const Host& host, const FilterTable<T>& tab, const FilterParams<T>& fp,
                                    const GaussianBasis& basis) {
    const double tq = 0.5 / std::sqrt(3.0);
    const double at[3] = {0.5, 0.5 - tq, 0.5 + tq};
    std::vector<double> r;
    for (index_t k = 0; k + 1 < tab.n_nodes; ++k)
        for (double t : at) r.push_back((double(k) + t) * tab.spacing);
    std::vector<T> exact;
    exact_filter_rows(host, fp, basis, r, exact);
    const index_t F = tab.F;
    std::vector<T> o(std::size_t(F), T(0)), o_dr(std::size_t(F), T(0));
    FilterTableError e;
    const FilterTableView<T> v = tab.view();
    for (std::size_t q = 0; q < r.size(); ++q) {
        v.eval(r[q], o.data(), o_dr.data());
        const T* x = exact.data() + q * std::size_t(2 * F);
        for (index_t c = 0; c < F; ++c) {
            const double xo = double(x[c]), xd = double(x[F + c]);
            if (q % 3 == 0) e.value = std::max(e.value, std::abs(xo - double(o[std::size_t(c)])));
            else e.slope = std::max(e.slope, std::abs(xd - double(o_dr[std::size_t(c)])));
            e.max_value = std::max(e.max_value, std::abs(xo));
            e.max_slope = std::max(e.max_slope, std::abs(xd));
        }
    }
    return e;
}

}  // namespace eipnn
