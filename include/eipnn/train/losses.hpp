// Energy losses of METHOD.md with their gradients with respect to the predictions.
//  - MSE: mean over items of (prediction - label)^2.
//  - Tukey biweight on MAD-scaled residuals (the weak-label loss of strategy 1):
//      r = (label - prediction) / (1.4826 · MAD),  MAD = median_i |label_i - prediction_i|
//    (MAD treated as a constant, as in the reference code), and
//      rho(r) = c²/6 · [1 - (1 - (r/c)²)³] for |r| <= c, c²/6 otherwise, c = 4.6851;
//    the loss is the mean of rho over the items.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "eipnn/core/error.hpp"

namespace eipnn {

inline constexpr double kTukeyC = 4.6851;
inline constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution -> its sigma
// Below this residual scale (eV) the batch is fitted exactly; the floor keeps r finite.
inline constexpr double kTukeyMinScale = 1e-8;

// Returns the loss; writes dL/dprediction into grad (same size).
inline double mse_loss(const std::vector<double>& prediction, const std::vector<double>& label, std::vector<double>& grad) {
    if (prediction.size() != label.size() || prediction.empty())
        throw Error(str("MSE over ", prediction.size(), " predictions and ", label.size(), " labels"), "mse_loss",
                    "pass one label per prediction, at least one");
    const double n = double(prediction.size());
    grad.resize(prediction.size());
    double loss = 0;
    for (std::size_t i = 0; i < prediction.size(); ++i) {
        const double d = prediction[i] - label[i];
        loss += d * d;
        grad[i] = 2.0 * d / n;
    }
    return loss / n;
}

inline double median_of(std::vector<double> v) {
    const std::size_t n = v.size();
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(n / 2), v.end());
    const double hi = v[n / 2];
    if (n % 2 == 1) return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(n / 2));
    return 0.5 * (lo + hi);
}

inline double tukey_rho(double r, double c = kTukeyC) {
    if (std::abs(r) > c) return c * c / 6.0;
    const double t = 1.0 - (r / c) * (r / c);
    return c * c / 6.0 * (1.0 - t * t * t);
}
// d rho / d r = r (1 - (r/c)²)² inside, 0 outside
inline double tukey_psi(double r, double c = kTukeyC) {
    if (std::abs(r) > c) return 0.0;
    const double t = 1.0 - (r / c) * (r / c);
    return r * t * t;
}

// The residual scale 1.4826 · MAD of a batch (floored at kTukeyMinScale).
inline double tukey_scale(const std::vector<double>& prediction, const std::vector<double>& label) {
    std::vector<double> abs_res(prediction.size());
    for (std::size_t i = 0; i < prediction.size(); ++i) abs_res[i] = std::abs(label[i] - prediction[i]);
    return std::max(kMadToSigma * median_of(abs_res), kTukeyMinScale);
}

// Mean Tukey biweight with the scale held constant; grad = dL/dprediction.
inline double tukey_loss(const std::vector<double>& prediction, const std::vector<double>& label, double scale,
                         std::vector<double>& grad) {
    if (prediction.size() != label.size() || prediction.empty())
        throw Error(str("Tukey loss over ", prediction.size(), " predictions and ", label.size(), " labels"),
                    "tukey_loss", "pass one label per prediction, at least one");
    const double n = double(prediction.size());
    grad.resize(prediction.size());
    double loss = 0;
    for (std::size_t i = 0; i < prediction.size(); ++i) {
        const double r = (label[i] - prediction[i]) / scale;
        loss += tukey_rho(r);
        grad[i] = -tukey_psi(r) / (scale * n);  // dr/dprediction = -1/scale
    }
    return loss / n;
}

}  // namespace eipnn
