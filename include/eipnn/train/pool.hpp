// The unlabelled pool of METHOD.md: crystal prototypes of one element in supercells of varying
// size, under random volumetric and shear strain and random atomic displacements, optionally
// followed by a short EIP-driven Langevin run. Configuration k depends only on (seed, k), so a
// pool can be generated in parallel or in pieces and is the same every time.
#pragma once
#include <array>
#include <random>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/geometry/prototypes.hpp"
#include "eipnn/md/integrators.hpp"

namespace eipnn {

struct PoolConfig {
    int atomic_number = 14;
    double bond = 2.35;                       // Å, nearest-neighbour distance of the unstrained prototypes
    std::vector<std::string> prototypes;      // drawn uniformly
    int min_atoms = 8, max_atoms = 64;        // supercell size range
    double volumetric_strain = 0.08;          // linear strain drawn uniformly in [-x, x]
    double shear_strain = 0.04;               // off-diagonal strain components, uniform in [-x, x]
    double rattle_max = 0.12;                 // Å, displacement sigma drawn uniformly in [0, x]
    double min_distance_fraction = 0.6;       // redraw if two atoms come closer than this x bond
    // Optional MD snapshots: a fraction of configurations is the end of a short Langevin run.
    double md_fraction = 0.0;
    int md_steps = 100;
    double md_timestep = 1e-3;                // ps
    double md_temperature_min = 300, md_temperature_max = 2000;  // K
    std::uint64_t seed = 42;
};

// Defaults per element: the paper's ten prototypes for the diamond semiconductors, the metallic
// family for Mo, bonds at the elements' equilibrium nearest-neighbour distances.
inline PoolConfig default_pool_config(const std::string& element) {
    PoolConfig c;
    const std::vector<std::string> covalent = {"bc8", "bcc", "beta_sn", "diamond", "fcc", "graphite",
                                               "hcp", "hexagonal_diamond", "sc", "sh"};
    if (element == "Si") {
        c.atomic_number = 14;
        c.bond = 2.35;
        c.prototypes = covalent;
    } else if (element == "Ge") {
        c.atomic_number = 32;
        c.bond = 2.45;
        c.prototypes = covalent;
    } else if (element == "Mo") {
        c.atomic_number = 42;
        c.bond = 2.725;
        c.prototypes = {"bcc", "fcc", "hcp", "sc", "a15", "beta_sn", "sh"};
    } else {
        throw Error(str("no default pool for element '", element, "'"), "pool", "use Si, Ge or Mo, or configure the pool");
    }
    return c;
}

struct PoolItem {
    Structure structure;
    std::string prototype;
    std::string source;       // "strained" or "md"
    double temperature = 0;   // K, for MD snapshots
};

namespace detail {

// All (r0, r1, r2) replications of a prototype whose atom count lies in [min_atoms, max_atoms].
inline std::vector<std::array<int, 3>> supercell_choices(int basis_size, int min_atoms, int max_atoms) {
    std::vector<std::array<int, 3>> out;
    for (int a = 1; a <= 6; ++a)
        for (int b = 1; b <= 6; ++b)
            for (int c = 1; c <= 6; ++c) {
                const int n = basis_size * a * b * c;
                if (n >= min_atoms && n <= max_atoms) out.push_back({a, b, c});
            }
    if (out.empty()) {  // the basis alone is larger than max_atoms: take one cell
        out.push_back({1, 1, 1});
    }
    return out;
}

inline double min_pair_distance(const Structure& s, double cutoff) {
    NeighborOptions opt;
    opt.min_distance = 0;
    const NeighborList nl = build_neighbor_list(s, cutoff, opt);
    double d = cutoff;
    for (double r : nl.distances) d = std::min(d, r);
    return d;
}

}  // namespace detail

// Configuration `index` of the pool. `md_potential` drives the MD snapshots (may be null when
// md_fraction is 0).
inline PoolItem make_pool_item(const PoolConfig& c, std::uint64_t index, const Potential* md_potential = nullptr) {
    if (c.prototypes.empty()) throw Error("no prototypes configured", "pool", "list at least one prototype");
    // one independent stream per configuration: seed and index mixed through SplitMix64 steps
    std::seed_seq seq{std::uint32_t(c.seed), std::uint32_t(c.seed >> 32), std::uint32_t(index), std::uint32_t(index >> 32)};
    std::mt19937_64 rng(seq);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    PoolItem item;
    item.prototype = c.prototypes[std::size_t(rng() % c.prototypes.size())];
    const Prototype proto = prototype(item.prototype);
    const auto choices = detail::supercell_choices(int(proto.fractional.size()), c.min_atoms, c.max_atoms);
    const auto reps = choices[std::size_t(rng() % choices.size())];
    for (int attempt = 0; attempt < 100; ++attempt) {
        Structure s = build_prototype(proto, c.atomic_number, c.bond, reps);
        Mat3 strain{};
        const double vol = c.volumetric_strain * u(rng);
        for (int a = 0; a < 3; ++a) strain[a][a] = vol;
        for (int a = 0; a < 3; ++a)
            for (int b = a + 1; b < 3; ++b) strain[a][b] = strain[b][a] = c.shear_strain * u(rng);
        apply_strain(s, strain);
        const double sigma = c.rattle_max * 0.5 * (u(rng) + 1.0);
        std::normal_distribution<double> g(0.0, sigma > 0 ? sigma : 1e-300);
        for (double& x : s.positions) x += sigma > 0 ? g(rng) : 0.0;
        if (detail::min_pair_distance(s, c.bond) < c.min_distance_fraction * c.bond) continue;
        item.structure = std::move(s);
        item.source = "strained";
        break;
    }
    if (item.structure.size() == 0)
        throw Error(str("configuration ", index, " (", item.prototype, "): no draw kept atoms ",
                        c.min_distance_fraction, " x bond apart in 100 attempts"),
                    "pool", "lower rattle_max or the strain ranges");
    const double md_draw = 0.5 * (u(rng) + 1.0);
    if (c.md_fraction > 0 && md_draw < c.md_fraction) {
        if (!md_potential) throw Error("MD snapshots requested without a potential", "pool", "pass --md-eip");
        const double T = c.md_temperature_min + (c.md_temperature_max - c.md_temperature_min) * 0.5 * (u(rng) + 1.0);
        // An EIP can blow up far from its fitting domain (a prototype it was never meant for):
        // such a run keeps the strained configuration and says so in `source`.
        try {
            md::MdState st = md::initial_state(*md_potential, item.structure, T, rng, Host{1});
            for (int step = 0; step < c.md_steps; ++step)
                md::langevin_step(*md_potential, st, c.md_timestep, T, 10.0, rng, Host{1});
            if (detail::min_pair_distance(st.structure, c.bond) >= 0.5 * c.bond) {
                item.structure = std::move(st.structure);
                item.source = "md";
                item.temperature = T;
            } else {
                item.source = "strained_md_collapsed";
            }
        } catch (const Error&) {
            item.source = "strained_md_failed";
        }
    }
    return item;
}

}  // namespace eipnn
