// One test body for every backend (DESIGN habit 8): the primitives of core/backend.hpp on backend
// B against plain loops on the host. tests/unit/test_host_backend.cpp runs it on Host (1 and 3
// threads), tests/cuda/test_cuda_backend.cu on Cuda where a GPU exists.
//
// What must hold, and to what precision:
// - scans and segment sums of small integers (exact in any order): equal;
// - reduce_sum: equal, bit for bit, to the fixed-block order of core/backend.hpp (blocks of
//   kReduceBlock summed in index order, then the blocks in order) on every backend;
// - reduce_max / reduce_min: equal;
// - gemm: within k eps(T) |A||B| per entry of a plain triple loop (the products are summed in
//   another order, possibly with FMAs);
// - memory: zero, copy, upload and download round-trip exactly;
// - the optimizer: gradient clipping and five AdamW steps on b against the same on the host, to
//   16 eps(T) relative (the device may contract a*b+c into FMAs; the host build does not).
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "eipnn/core/backend.hpp"
#include "eipnn/nn/dense.hpp"
#include "eipnn/nn/parameters.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"

namespace eipnn::test {

template <class B, class T>
Buffer<B, T> to_backend(const B& b, const std::vector<T>& host) {
    Buffer<B, T> buf;
    upload(b, host, buf);
    return buf;
}

template <class B, class Buf>
auto to_host(const B& b, const Buf& buf) {
    std::vector<std::remove_const_t<std::remove_pointer_t<decltype(span_of(buf).data)>>> host;
    download(b, span_of(buf), host);
    return host;
}

// The largest |host - other| within 1000 eps (of the scalar the two were computed in) times the
// largest |host|: rounding accumulated over chains of O(F) products summed in other orders.
template <class A, class B>
void compare_to_host(const char* what, const A& host, const B& other, double eps) {
    REQUIRE(host.size() == other.size());
    double scale = 0, worst = 0;
    for (std::size_t k = 0; k < host.size(); ++k) {
        scale = std::max(scale, std::abs(double(host[k])));
        worst = std::max(worst, std::abs(double(host[k]) - double(other[k])));
    }
    INFO(what << ": max |host - other| = " << worst << ", largest |host| = " << scale);
    CHECK(worst <= 1000 * eps * scale);
}

// Every parameter's gradient, entry by entry (each named in a failure).
template <class T>
void compare_parameter_grads(const ParameterLayout& layout, const std::vector<T>& host, const std::vector<T>& other,
                             double eps) {
    REQUIRE(host.size() == other.size());
    for (const ParameterEntry& e : layout.entries()) {
        const std::vector<T> h(host.begin() + e.offset, host.begin() + e.offset + e.size());
        const std::vector<T> d(other.begin() + e.offset, other.begin() + e.offset + e.size());
        compare_to_host(e.name.c_str(), h, d, eps);
    }
}

template <class B>
void check_backend_scans(const B& b) {
    typename B::Workspace ws;
    std::mt19937 rng(3);
    std::uniform_int_distribution<index_t> count(0, 9);
    for (const index_t n : {1, 7, 5000}) {
        // n + 1 values (a trailing zero) so that offsets[n] is the total, as the list builders scan
        std::vector<index_t> counts(std::size_t(n) + 1, 0);
        for (index_t i = 0; i < n; ++i) counts[std::size_t(i)] = count(rng);
        const Buffer<B, index_t> d_counts = to_backend(b, counts);
        Buffer<B, index_t> d_offsets(std::size_t(n) + 1);
        exclusive_scan(b, span_of(d_counts), span_of(d_offsets), ws);
        const std::vector<index_t> offsets = to_host(b, d_offsets);
        index_t running = 0;
        for (index_t i = 0; i <= n; ++i) {
            REQUIRE(offsets[std::size_t(i)] == running);
            running += counts[std::size_t(i)];
        }
        // segment sums of small integers over those segments: exact in any summation order
        std::vector<double> values(std::size_t(offsets.back()));
        for (std::size_t k = 0; k < values.size(); ++k) values[k] = double(k % 13) - 6.0;
        const Buffer<B, double> d_values = to_backend(b, values);
        Buffer<B, double> d_sums(static_cast<std::size_t>(n));
        segment_sum(b, Span<const index_t>(span_of(d_offsets)), span_of(d_values), span_of(d_sums), ws);
        const std::vector<double> sums = to_host(b, d_sums);
        for (index_t s = 0; s < n; ++s) {
            double expect = 0;
            for (index_t k = offsets[std::size_t(s)]; k < offsets[std::size_t(s) + 1]; ++k)
                expect += values[std::size_t(k)];
            REQUIRE(sums[std::size_t(s)] == expect);
        }
    }
}

template <class B>
void check_backend_reductions(const B& b) {
    typename B::Workspace ws;
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (const index_t n : {0, 1, 1023, 1024, 1025, 100000}) {
        CAPTURE(n);
        std::vector<double> v(static_cast<std::size_t>(n));
        for (auto& x : v) x = u(rng) * std::exp(8 * u(rng));  // magnitudes over ~7 decades
        // the documented order: blocks of kReduceBlock in index order, then the blocks in order
        double expect = 0;
        for (index_t b0 = 0; b0 < n; b0 += kReduceBlock) {
            double block = 0;
            for (index_t i = b0; i < std::min(n, b0 + kReduceBlock); ++i) block += v[std::size_t(i)];
            expect += block;
        }
        const Buffer<B, double> d_v = to_backend(b, v);
        const Span<const double> s = span_of(d_v);
        CHECK(reduce_sum(b, s, ws) == expect);
        double mx = -1e300, mn = 1e300;
        for (double x : v) mx = std::max(mx, x), mn = std::min(mn, x);
        CHECK(reduce_max(b, s, -1e300, ws) == mx);
        CHECK(reduce_min(b, s, 1e300, ws) == mn);
    }
}

template <class B, class T>
void check_backend_gemm(const B& b) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const index_t m = 37, k = 70, n = 29;  // not multiples of any block or vector width
    for (const bool ta : {false, true})
        for (const bool tb : {false, true}) {
            if (ta && tb) continue;  // not offered (no layer needs it)
            CAPTURE(ta, tb);
            const index_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
            std::vector<T> A(std::size_t(a_rows * a_cols)), Bm(std::size_t(b_rows * b_cols)), C0(std::size_t(m * n));
            for (auto* v : {&A, &Bm, &C0})
                for (auto& x : *v) x = T(u(rng));
            for (const bool accumulate : {false, true}) {
                const Buffer<B, T> d_A = to_backend(b, A), d_B = to_backend(b, Bm);
                Buffer<B, T> d_C = to_backend(b, C0);
                gemm(b, matrix_of(d_A, a_cols), ta, matrix_of(d_B, b_cols), tb, matrix_of(d_C, n), accumulate);
                const std::vector<T> C = to_host(b, d_C);
                for (index_t i = 0; i < m; ++i)
                    for (index_t j = 0; j < n; ++j) {
                        double ref = accumulate ? double(C0[std::size_t(i * n + j)]) : 0.0, scale = 0;
                        for (index_t p = 0; p < k; ++p) {
                            const double a = ta ? A[std::size_t(p * a_cols + i)] : A[std::size_t(i * a_cols + p)];
                            const double bb = tb ? Bm[std::size_t(j * b_cols + p)] : Bm[std::size_t(p * b_cols + j)];
                            ref += a * bb;
                            scale += std::abs(a * bb);
                        }
                        const double tol = double(k + 2) * double(std::numeric_limits<T>::epsilon()) * (scale + 1.0);
                        REQUIRE(std::abs(double(C[std::size_t(i * n + j)]) - ref) <= tol);
                    }
            }
        }
}

template <class B>
void check_backend_memory(const B& b) {
    const std::vector<float> host = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f};
    Buffer<B, float> d = to_backend(b, host), e(host.size());
    CHECK(to_host(b, d) == host);
    copy(b, Span<const float>(span_of(d)), span_of(e));
    CHECK(to_host(b, e) == host);
    zero(b, span_of(d));
    synchronize(b);
    CHECK(to_host(b, d) == std::vector<float>(host.size(), 0.0f));
    CHECK(to_host(b, e) == host);
}

template <class B, class T>
void check_backend_optimizer(const B& b) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const std::size_t n = 3000;
    std::vector<T> p0(n), g0(n);
    for (auto& x : p0) x = T(u(rng));
    for (auto& x : g0) x = T(3 * u(rng));
    const AdamConfig config{1e-2, 0.9, 0.999, 1e-8, 0.01, true};
    std::vector<T> p_host = p0, g_host = g0;
    Buffer<B, T> p_b = to_backend(b, p0), g_b = to_backend(b, g0);
    const double norm_host = clip_grad_norm(Host{}, span_of(g_host), 1.0);
    const double norm_b = clip_grad_norm(b, span_of(g_b), 1.0);
    CHECK(std::abs(norm_b - norm_host) <= 16 * std::numeric_limits<double>::epsilon() * norm_host);
    Adam<T> adam_host(n, config);
    Adam<T, B> adam_b(b, n, config);
    for (int step = 0; step < 5; ++step) {
        adam_host.step(Host{}, span_of(p_host), span_of(std::as_const(g_host)), 1e-2);
        adam_b.step(b, span_of(p_b), span_of(std::as_const(g_b)), 1e-2);
    }
    const std::vector<T> p = to_host(b, p_b), m = to_host(b, adam_b.first_moment());
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(std::abs(double(p[i]) - double(p_host[i])) <= 16 * eps * std::abs(double(p_host[i])) + 16 * eps * 1e-2);
        REQUIRE(std::abs(double(m[i]) - double(adam_host.first_moment()[i])) <=
                16 * eps * std::abs(double(adam_host.first_moment()[i])));
    }
}

}  // namespace eipnn::test
