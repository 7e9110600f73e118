// SOAPNet's prepare_model_inputs (train/model_inputs.hpp): it fixes its input
// standardisation (per-feature mean and 1/std of the training set's descriptors), so the dense
// layers see O(1) inputs although SOAP components span orders of magnitude across (n, n', l).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "eipnn/train/model_inputs.hpp"

namespace eipnn {

// Relative floor of the standard deviations, see below.
inline constexpr double kSoapStdFloor = 1e-3;

// Per-feature mean and spread over all atoms of `train` (descriptors in double, batches of 32
// configurations merged with Chan et al.'s pairwise update of mean and sum of squared deviations,
// which loses no digits to cancellation). Every std is floored at kSoapStdFloor times the
// largest one: a feature (nearly) constant in the training data -- a species pair that never
// occurs, a component that vanishes by symmetry -- would otherwise get 1/std ~ 1/0, and its
// rounding noise, or a small change in an unseen configuration, would reach the network amplified
// by ~1e10. The floor caps that amplification at 1e3 relative to the widest feature and leaves
// every feature alone whose spread is above 0.1% of it. All features constant: no scaling.
template <class T>
void prepare_model_inputs(SoapNet<T>& m, const PreparedSet& train, const Host& host) {
    const char* where = "prepare_model_inputs (SOAPNet)";
    if (train.size() == 0) throw Error("the training set is empty", where, "give at least one configuration");
    const index_t D = m.n_descriptors();
    std::vector<double> mean(std::size_t(D), 0.0), m2(std::size_t(D), 0.0), P;
    double count = 0;
    SoapSaved<double> saved;
    const std::size_t chunk = 32;
    for (std::size_t first = 0; first < train.size(); first += chunk) {
        std::vector<std::size_t> items;
        for (std::size_t k = first; k < std::min(train.size(), first + chunk); ++k) items.push_back(k);
        const GraphBatch batch = train.batch(items);
        if (std::abs(batch.cutoff - m.config.cutoff) > 1e-12 * m.config.cutoff && batch.n_edges() > 0)
            throw Error(str("the training set's lists use cutoff ", batch.cutoff, " Å, the model ", m.config.cutoff, " Å"),
                        where, "prepare the set with the model's cutoff");
        species_indices(m.config.species, batch.numbers, where);
        soap_fwd(host, batch, m.basis, saved, P);
        const index_t n = batch.n_atoms();
        if (n == 0) continue;
        for (index_t c = 0; c < D; ++c) {
            double bm = 0, bm2 = 0;
            for (index_t i = 0; i < n; ++i) bm += P[std::size_t(i) * D + c];
            bm /= double(n);
            for (index_t i = 0; i < n; ++i) {
                const double d = P[std::size_t(i) * D + c] - bm;
                bm2 += d * d;
            }
            const double delta = bm - mean[std::size_t(c)], total = count + double(n);
            mean[std::size_t(c)] += delta * double(n) / total;
            m2[std::size_t(c)] += bm2 + delta * delta * count * double(n) / total;
        }
        count += double(n);
    }
    if (count == 0) throw Error("the training set has no atoms", where);
    std::vector<double> sd(static_cast<std::size_t>(D));
    double largest = 0;
    for (index_t c = 0; c < D; ++c) {
        sd[std::size_t(c)] = std::sqrt(m2[std::size_t(c)] / count);
        largest = std::max(largest, sd[std::size_t(c)]);
    }
    m.input_mean = mean;
    m.input_inv_std.assign(std::size_t(D), 1.0);
    if (largest > 0)
        for (index_t c = 0; c < D; ++c)
            m.input_inv_std[std::size_t(c)] = 1.0 / std::max(sd[std::size_t(c)], kSoapStdFloor * largest);
}

}  // namespace eipnn
