// exp as straight-line code, for kernels whose exponentials dominate (EDIP): glibc's exp is an
// out-of-line call the compiler cannot vectorize; exp_poly inlines, and a loop of it over a local
// array becomes SIMD code. exp_inline picks it where that pays (see below).
//
// exp_poly's method: x = k ln2 + r with |r| <= ln2/2 (Cody–Waite: ln2 split in a high part with 20 trailing
// zero bits, so k ln2_hi is exact for |k| < 2^20), exp(r) by its Taylor series to r^13 (truncation
// < 4e-18 relative; Estrin's scheme), times 2^k assembled in the exponent field. Accuracy ~1 ulp on the normal
// range (checked against long double in tests/unit/test_exp_inline.cpp).
// Domain: results below 2^-1021 (x < -708) are returned as 0 instead of a subnormal (an absolute
// error < 3e-308); x > 709 gives +inf (exp overflows at 709.78, so (709, 709.78] is not covered);
// NaN gives NaN. The float overload (below) is the same method at float's precision; where kernels
// call it is their choice (exp_inline(float) stays the platform's).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "eipnn/core/config.hpp"

namespace eipnn::math {

// Always inlined on the host: an out-of-line call in a loop's scalar remainder costs as much as
// glibc's exp.
#if defined(__GNUC__) && !defined(__CUDACC__)
#define EIPNN_EXP_INLINE __attribute__((always_inline))
#else
#define EIPNN_EXP_INLINE
#endif

EIPNN_HD EIPNN_EXP_INLINE double exp_poly(double x) {
    const double xc = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);  // keeps 2^k a normal number
    // round(x / ln2) by the 1.5 * 2^52 shift: the sum's low mantissa bits hold k (two's complement)
    const double shift = 0x1.8p52;
    const double kd_shifted = xc * 0x1.71547652b82fep0 + shift;
    std::uint64_t k_bits;
    std::memcpy(&k_bits, &kd_shifted, sizeof k_bits);
    const double kd = kd_shifted - shift;
    const double r = (xc - kd * 0x1.62e42fefp-1) - kd * 0x1.473de6af278edp-34;  // ln2 = hi + lo
    // 1 + sum_{1<=i<=13} r^i / i!, the sum by Estrin's scheme: depth 4 instead of Horner's 13
    // dependent steps, so the few exponentials a kernel has in flight are not latency-bound; the
    // 1 added last, so its rounding is the only one at full size
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double q1 = 1.0 / 2 + r * (1.0 / 6), q2 = 1.0 / 24 + r * (1.0 / 120),
                 q3 = 1.0 / 720 + r * (1.0 / 5040), q4 = 1.0 / 40320 + r * (1.0 / 362880),
                 q5 = 1.0 / 3628800 + r * (1.0 / 39916800), q6 = 1.0 / 479001600 + r * (1.0 / 6227020800);
    const double s0 = r + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5;
    const double t0 = s0 + r4 * s1, t1 = s2 + r4 * q6;
    const double p = 1.0 + (t0 + r8 * t1);
    // 2^k: the low 12 bits of k_bits + 1023 are the biased exponent (k in [-1022, 1023] here)
    const std::uint64_t scale_bits = (k_bits + 1023u) << 52;
    double scale;
    std::memcpy(&scale, &scale_bits, sizeof scale);
    double y = p * scale;
    y = x < -708.0 ? 0.0 : y;
    y = x > 709.0 ? HUGE_VAL : y;
    return x != x ? x : y;
}

// exp for float, the same way: Cody–Waite with ln2 = 0.693359375 (9 bits, so k ln2_hi is exact)
// - 2.12194440e-4, and Cephes' degree-5 polynomial for (exp(r) - 1 - r) / r^2 (Moshier's published
// coefficients), ~1 ulp. Domain: x < -87 gives 0 (instead of a result below 1.7e-38), x > 88 gives
// +inf ((88, 88.72] is not covered), NaN gives NaN.
EIPNN_HD EIPNN_EXP_INLINE float exp_poly(float x) {
    const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);  // 2^k stays a normal number
    const float shift = 0x1.8p23f;  // round(x / ln2) in the low mantissa bits, as in the double one
    const float kd_shifted = xc * 0x1.715476p0f + shift;
    std::uint32_t k_bits;
    std::memcpy(&k_bits, &kd_shifted, sizeof k_bits);
    const float kd = kd_shifted - shift;
    const float r = (xc - kd * 0.693359375f) + kd * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = (r + (r * r) * p) + 1.0f;
    const std::uint32_t scale_bits = (k_bits + 127u) << 23;  // k in [-126, 127]: a normal 2^k
    float scale;
    std::memcpy(&scale, &scale_bits, sizeof scale);
    float y = e * scale;
    y = x < -87.0f ? 0.0f : y;
    y = x > 88.0f ? HUGE_VALF : y;
    return x != x ? x : y;
}

// log the same way, for positive normal x: x = 2^k m with m in [sqrt(1/2), sqrt(2)),
// log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172: 2 (s + s^3/3 + ... + s^23/23), truncation
// < 1e-18 relative; plus k ln2 (hi + lo). Accuracy ~1.5 ulp. Any other x (0, subnormal, negative,
// inf, NaN) gives NaN, loudly wrong rather than quietly: one final select is all the loop around
// it can afford and stay vectorized (GCC sinks work into the arm of a select that needs it, and
// then will not if-convert the branch).
EIPNN_HD EIPNN_EXP_INLINE double log_poly(double x) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    // m in [1, 2) from the mantissa, k from the exponent field; then m > sqrt(2) -> m / 2, k + 1
    const std::uint64_t m_bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double m;
    std::memcpy(&m, &m_bits, sizeof m);
    const double k_field = double(std::int64_t((bits >> 52) & 0x7ff)) - 1023.0;
    const bool high = m > 0x1.6a09e667f3bcdp0;
    const double m_half = m * 0.5, k_next = k_field + 1.0;
    m = high ? m_half : m;
    const double k = high ? k_next : k_field;
    const double f = m - 1.0;  // exact (Sterbenz)
    const double s = f / (2.0 + f);
    const double z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    // sum_{i=1..11} z^i / (2i + 1) by Estrin's scheme
    const double a0 = 1.0 / 3 + z * (1.0 / 5), a1 = 1.0 / 7 + z * (1.0 / 9), a2 = 1.0 / 11 + z * (1.0 / 13),
                 a3 = 1.0 / 15 + z * (1.0 / 17), a4 = 1.0 / 19 + z * (1.0 / 21), a5 = 1.0 / 23;
    const double b0 = a0 + z2 * a1, b1 = a2 + z2 * a3, b2 = a4 + z2 * a5;
    const double tail = z * ((b0 + z4 * b1) + z8 * b2);
    const double log_m = 2.0 * s + 2.0 * s * tail;
    const double y = k * 0x1.62e42fefp-1 + (log_m + k * 0x1.473de6af278edp-34);
    const bool normal = x >= 0x1p-1022 && x <= 0x1.fffffffffffffp1023;
    return normal ? y : static_cast<double>(NAN);
}

// What kernels call: exp_poly where it pays (a host target with FMA vector units, where a loop of
// it vectorizes, which glibc's exp does not), else the platform's exp (CUDA's on the
// device; glibc's on generic x86-64, where the polynomial's 14 dependent steps are slower).
#if !defined(__CUDA_ARCH__) && defined(__FMA__) && (defined(__AVX2__) || defined(__AVX512F__))
#define EIPNN_EXP_IS_POLYNOMIAL 1
#else
#define EIPNN_EXP_IS_POLYNOMIAL 0
#endif

// Whether exp_inline(T) is exp_poly in this compilation, i.e. a loop of it is SIMD code: kernels
// whose loop shape pays only then (EDIP's four atoms per SIMD lane group) choose it by this.
template <class T>
inline constexpr bool exp_inline_is_polynomial = EIPNN_EXP_IS_POLYNOMIAL && std::is_same_v<T, double>;

EIPNN_HD EIPNN_EXP_INLINE double exp_inline(double x) {
#if EIPNN_EXP_IS_POLYNOMIAL
    return exp_poly(x);
#else
    using std::exp;
    return exp(x);
#endif
}

EIPNN_HD EIPNN_EXP_INLINE double log_inline(double x) {
#if EIPNN_EXP_IS_POLYNOMIAL
    return log_poly(x);
#else
    using std::log;
    return log(x);
#endif
}

EIPNN_HD float log_inline(float x) {
    using std::log;
    return log(x);
}

// Float kernels: the platform's float exp (no float polynomial here).
EIPNN_HD float exp_inline(float x) {
    using std::exp;
    return exp(x);
}

}  // namespace eipnn::math
