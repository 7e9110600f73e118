// SOAP descriptor settings (smooth overlap of atomic positions, Bartok et al. 2013) and their
// checks. The conventions (basis, normalisation, feature order) are described in soap.hpp.
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/core/config.hpp"
#include "eipnn/core/error.hpp"

namespace eipnn {

// Capacities of the fixed-size per-thread arrays of the kernels (no heap inside functors).
inline constexpr index_t kSoapMaxN = 12;        // radial functions
inline constexpr index_t kSoapMaxL = 9;         // angular momentum
inline constexpr index_t kSoapMaxLM = (kSoapMaxL + 1) * (kSoapMaxL + 1);  // (l, m) pairs
inline constexpr index_t kSoapMaxSpecies = 8;   // density channels

enum class SoapNormalization { none, l2 };  // l2: each atom's power spectrum scaled to unit norm

struct SoapConfig {
    std::vector<int> species{14};  // atomic numbers; one density channel each, in this order
    double cutoff = 5.0;           // Å, = the neighbour-list cutoff
    index_t n_max = 8;             // radial functions (<= kSoapMaxN)
    index_t l_max = 6;             // (<= kSoapMaxL)
    double sigma = 0.5;            // Å, Gaussian width of each atom's density
    double cutoff_width = 1.0;     // Å, cosine switch of each neighbour's weight over [cutoff - width, cutoff]
    SoapNormalization normalization = SoapNormalization::none;

    void validate() const {
        const char* where = "SoapConfig";
        if (species.empty()) throw Error("no species", where, "list the atomic numbers of the data, e.g. {14}");
        if (index_t(species.size()) > kSoapMaxSpecies)
            throw Error(str(species.size(), " species, more than the ", kSoapMaxSpecies, " supported"), where,
                        "use fewer density channels");
        for (std::size_t a = 0; a < species.size(); ++a) {
            if (species[a] <= 0 || species[a] > 118)
                throw Error(str("species ", a, " has atomic number ", species[a]), where, "use atomic numbers 1..118");
            for (std::size_t b = 0; b < a; ++b)
                if (species[a] == species[b])
                    throw Error(str("atomic number ", species[a], " is listed twice"), where, "list each species once");
        }
        // The radial grid is linspace(1 Å, cutoff, n_max): the cutoff must lie beyond 1 Å or the
        // grid points (and with them the basis) coincide.
        if (!(std::isfinite(cutoff) && cutoff > 1.0))
            throw Error(str("cutoff ", cutoff, " Å"), where, "use a cutoff above 1 Å (the radial grid starts at 1 Å)");
        if (n_max < 1 || n_max > kSoapMaxN)
            throw Error(str("n_max ", n_max, " outside [1, ", kSoapMaxN, "]"), where, "use fewer radial functions");
        if (l_max < 0 || l_max > kSoapMaxL)
            throw Error(str("l_max ", l_max, " outside [0, ", kSoapMaxL, "]"), where, "use a smaller l_max");
        if (!(std::isfinite(sigma) && sigma > 0))
            throw Error(str("sigma ", sigma, " Å"), where, "use a positive Gaussian width");
        if (!(std::isfinite(cutoff_width) && cutoff_width > 0 && cutoff_width <= cutoff))
            throw Error(str("cutoff_width ", cutoff_width, " Å with cutoff ", cutoff, " Å"), where,
                        "use a switch width in (0, cutoff]");
    }

    index_t n_species() const { return index_t(species.size()); }
    index_t n_lm() const { return (l_max + 1) * (l_max + 1); }
    index_t n_coefficients() const { return n_species() * n_max * n_lm(); }

    // Pairs of channels Z1 <= Z2; n' >= n within one channel.
    index_t n_features() const {
        const index_t s = n_species(), n = n_max, l = l_max + 1;
        return l * (s * n * (n + 1) / 2 + s * (s - 1) / 2 * n * n);
    }
};

}  // namespace eipnn
