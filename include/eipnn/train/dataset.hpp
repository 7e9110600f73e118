// Datasets of labelled configurations, seeded splits and shuffled batches.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/train/stress_labels.hpp"

namespace eipnn {

struct Sample {
    Structure structure;
    double energy = 0;              // eV, total
    std::vector<double> forces;     // (n_atoms, 3) eV/Å, empty when the data has none
    std::vector<double> stress;     // (9) eV/Å^3, sigma = -W/V; empty when the data has none
    std::string config_type;        // "" when absent
    std::string source;             // "file.extxyz frame 12", for messages
};

struct Dataset {
    std::vector<Sample> samples;

    std::size_t size() const { return samples.size(); }
    bool empty() const { return samples.empty(); }
    std::size_t n_atoms() const {
        std::size_t n = 0;
        for (const auto& s : samples) n += std::size_t(s.structure.size());
        return n;
    }
    Dataset subset(const std::vector<std::size_t>& indices) const {
        Dataset d;
        d.samples.reserve(indices.size());
        for (std::size_t i : indices) d.samples.push_back(samples.at(i));
        return d;
    }
};

// Reads every frame of an extxyz file and hands each one, checked, to on_sample(Sample&&, frame
// index); returns the number of frames. load_dataset below keeps them all; MPI ranks keep only
// their share (parallel/sharded_set.hpp). `energy_key` names the info entry with the total energy.
// Empty structures and frames without the energy are errors that name the frame.
// `stress_key` names an optional info entry of six numbers in kbar as the mlearn data stores them
// (minus the stress, in the per-configuration order of mlearn_virial_stress_order; see
// train/stress_labels.hpp); a frame without it has no stress label, a present but malformed one
// (not six numbers, non-finite, or on a cell that is not fully periodic) is an error naming the frame.
template <class OnSample>
std::size_t for_each_sample(const std::filesystem::path& path, OnSample&& on_sample,
                            const std::string& energy_key = "energy", const std::string& forces_key = "forces",
                            const std::string& stress_key = "virial_stress_kbar") {
    ExtxyzReader reader(path);
    Frame frame;
    std::size_t index = 0;
    while (reader.next(frame)) {
        Sample s;
        s.source = frame.source.empty() ? str(path.string(), " frame ", index) : frame.source;
        if (frame.structure.size() == 0)
            throw Error("configuration has no atoms", s.source, "remove empty frames from the data");
        if (!frame.find_info(energy_key))
            throw Error(str("no '", energy_key, "' entry"), s.source,
                        "label the data, or name the energy key");
        s.energy = frame.info_real(energy_key);
        if (!std::isfinite(s.energy)) throw Error(str("energy is ", s.energy), s.source, "remove the frame");
        if (frame.find_column(forces_key)) {
            s.forces = frame.column_real(forces_key);
            for (std::size_t k = 0; k < s.forces.size(); ++k)
                if (!std::isfinite(s.forces[k]))
                    throw Error(str("force component ", "xyz"[k % 3], " of atom ", k / 3, " is ", s.forces[k]), s.source,
                                "remove the frame or fix its labels");
        }
        if (const InfoValue* ct = frame.find_info("config_type")) {
            // config types are strings in the mlearn data; a numeric one is written as text
            s.config_type = ct->type == ExtxyzType::String ? ct->text : str(ct->is_numeric() ? ct->as_reals().at(0) : 0.0);
        }
        if (const InfoValue* st = frame.find_info(stress_key)) {
            if (!st->is_numeric())
                throw Error(str("'", stress_key, "' is not numbers"), s.source,
                            str("write it as ", stress_key, "=\"<six numbers in kbar>\", or remove it"));
            const Cell& cell = frame.structure.cell;
            // sigma = -W/V needs a volume: a stress label on a cluster or slab without a periodic
            // third direction has no meaning here
            if (!cell.has_lattice || !(cell.pbc[0] && cell.pbc[1] && cell.pbc[2]))
                throw Error(str("'", stress_key, "' given for a cell that is not periodic in x, y and z"), s.source,
                            "remove the stress entry or give the periodic lattice");
            const std::array<double, 9> sigma = stress_from_virial_stress_kbar(
                st->as_reals(), mlearn_virial_stress_order(s.config_type, frame.structure.numbers),
                s.source + " ('" + stress_key + "')");
            s.stress.assign(sigma.begin(), sigma.end());
        }
        s.structure = std::move(frame.structure);
        on_sample(std::move(s), index);
        ++index;
    }
    return index;
}

inline Dataset load_dataset(const std::filesystem::path& path, const std::string& energy_key = "energy",
                            const std::string& forces_key = "forces",
                            const std::string& stress_key = "virial_stress_kbar") {
    Dataset d;
    for_each_sample(
        path, [&](Sample&& s, std::size_t) { d.samples.push_back(std::move(s)); }, energy_key, forces_key, stress_key);
    if (d.empty()) throw Error("no configurations", path.string(), "check the file");
    return d;
}

// A seeded random partition of [0, n) into parts of the given fractions (the last part takes the
// remainder, so fractions that sum to 1 use every item).
inline std::vector<std::vector<std::size_t>> random_split(std::size_t n, const std::vector<double>& fractions,
                                                          std::uint64_t seed) {
    double total = 0;
    for (double f : fractions) {
        if (!(f >= 0)) throw Error(str("split fraction ", f, " is negative"), "random_split");
        total += f;
    }
    if (fractions.empty() || total > 1.0 + 1e-12)
        throw Error(str("split fractions sum to ", total), "random_split", "give fractions that sum to at most 1");
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::vector<std::size_t>> parts;
    std::size_t start = 0;
    for (std::size_t k = 0; k < fractions.size(); ++k) {
        const bool last = k + 1 == fractions.size() && total > 1.0 - 1e-12;
        const std::size_t count = last ? n - start : std::min(n - start, std::size_t(std::llround(fractions[k] * double(n))));
        parts.emplace_back(order.begin() + std::ptrdiff_t(start), order.begin() + std::ptrdiff_t(start + count));
        std::sort(parts.back().begin(), parts.back().end());
        start += count;
    }
    return parts;
}

// Nested subsets of a training split for learning curves: one seeded permutation of `split`, and
// for each fraction its first max(1, round(fraction * n)) items, so every smaller subset lies inside
// every larger one. Each subset is returned in `split`'s order, so fraction 1 is `split` itself,
// exactly as a run without subsets uses it.
inline std::vector<std::vector<std::size_t>> nested_subsets(const std::vector<std::size_t>& split,
                                                            const std::vector<double>& fractions, std::uint64_t seed) {
    std::vector<std::size_t> order(split.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::vector<std::size_t>> subsets;
    for (double f : fractions) {
        if (!(f > 0 && f <= 1)) throw Error(str("subset fraction ", f, " is outside (0, 1]"), "nested_subsets");
        const std::size_t count =
            std::min(split.size(), std::max<std::size_t>(1, std::size_t(std::llround(f * double(split.size())))));
        std::vector<std::size_t> positions(order.begin(), order.begin() + std::ptrdiff_t(count));
        std::sort(positions.begin(), positions.end());
        std::vector<std::size_t> subset;
        for (std::size_t k : positions) subset.push_back(split[k]);
        subsets.push_back(std::move(subset));
    }
    return subsets;
}

// Batches of configuration indices, reshuffled every epoch from its own generator, whose state
// can be saved and restored so a resumed run draws the same batches.
class BatchSampler {
public:
    BatchSampler() = default;
    BatchSampler(std::size_t n, std::size_t batch_size, std::uint64_t seed, bool shuffle = true)
        : n_(n), batch_(batch_size), shuffle_(shuffle), rng_(seed) {
        if (batch_size == 0) throw Error("batch size must be at least 1", "BatchSampler");
    }
    std::vector<std::vector<std::size_t>> epoch() {
        std::vector<std::size_t> order(n_);
        std::iota(order.begin(), order.end(), std::size_t(0));
        if (shuffle_) std::shuffle(order.begin(), order.end(), rng_);
        std::vector<std::vector<std::size_t>> batches;
        for (std::size_t b = 0; b < n_; b += batch_)
            batches.emplace_back(order.begin() + std::ptrdiff_t(b), order.begin() + std::ptrdiff_t(std::min(n_, b + batch_)));
        // A lone configuration left over joins the previous batch: batch statistics (the
        // classifier's BatchNorm) need two, and one item's gradient step is mostly noise.
        if (batches.size() > 1 && batches.back().size() == 1) {
            batches[batches.size() - 2].push_back(batches.back()[0]);
            batches.pop_back();
        }
        return batches;
    }
    std::string rng_state() const {
        std::ostringstream os;
        os << rng_;
        return os.str();
    }
    void restore_rng_state(const std::string& state) {
        std::istringstream is(state);
        is >> rng_;
        if (!is) throw Error("corrupted sampler state", "BatchSampler", "the checkpoint is damaged");
    }

private:
    std::size_t n_ = 0, batch_ = 1;
    bool shuffle_ = true;
    std::mt19937_64 rng_;
};

}  // namespace eipnn
