// A data set spread over the ranks of a job (MPI data parallelism, issue 18): each rank holds the
// structures, neighbour lists and force/stress labels of its share of the configurations only.
// Every rank keeps a few numbers per configuration (ConfigInfo: atomic numbers, energy, list
// length, owner, config type, source), which is what batching, the energy loss, the target
// normalisation and the balance of work need without the configuration itself.
//
// A step gathers its batch's configurations from their owners (gather()): every rank then has the
// batch's structures and labels (for the loss, which is the whole batch's) and builds the lists of
// the units it computes from the gathered structure, with the same function and input as the
// owner, so they are the owner's lists bit for bit. The lists are the bulk of a prepared set
// (tens of edges per atom), so they never travel.
//
// Files are read whole by every rank (ShardedData::read), which keeps frame f when f mod N is its
// rank: one pass, no rank holding the data, and the same shares whatever the split that follows.
// A set that every rank already holds whole (the pipeline of `eipnn reproduce`) is wrapped by
// ShardedSet::replicated: gathering is then a local copy, and each rank owns (evaluates in
// validation) a contiguous run of it balanced by cost.
#pragma once
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/host_backend.hpp"
#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/partition.hpp"
#include "eipnn/train/dataset.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

// What every rank knows of every configuration.
struct ConfigInfo {
    std::vector<int> numbers;  // atomic numbers: size, composition, species
    double energy = 0;         // eV, total
    std::string config_type, source;
    bool has_forces = false, has_stress = false;
    index_t n_edges = 0;       // neighbour-list length at the set's cutoff (the balance of work)
    int owner = 0;             // the rank that holds (and in validation evaluates) it

    index_t n_atoms() const { return index_t(numbers.size()); }
    double cost() const { return double(numbers.size()) + double(n_edges); }  // a forward and backward's work
};

// A sample's info, held by `owner` (its list length is filled in when the set is prepared).
inline ConfigInfo config_info(const Sample& s, int owner) {
    ConfigInfo c;
    c.numbers = s.structure.numbers;
    c.energy = s.energy;
    c.config_type = s.config_type;
    c.source = s.source;
    c.has_forces = !s.forces.empty();
    c.has_stress = !s.stress.empty();
    c.owner = owner;
    return c;
}

class ShardedSet {
public:
    static constexpr std::size_t npos = std::size_t(-1);

    std::vector<ConfigInfo> info;  // every configuration, in set order, on every rank

    std::size_t size() const { return info.size(); }
    const Communicator& comm() const { return comm_; }
    double cutoff() const { return cutoff_; }
    // The configurations held here (all of them when replicated), with their set indices.
    const PreparedSet& held() const { return external_ ? *external_ : own_; }
    std::size_t held_index(std::size_t i) const { return external_ ? i : held_index_.at(i); }
    // Set indices this rank owns, ascending.
    std::vector<std::size_t> owned() const {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < size(); ++i)
            if (info[i].owner == comm_.rank()) out.push_back(i);
        return out;
    }
    // The set indices in the order an allgather of every rank's owned() delivers them.
    std::vector<std::size_t> owner_order() const {
        std::vector<std::vector<std::size_t>> by_rank(std::size_t(comm_.size()));
        for (std::size_t i = 0; i < size(); ++i) by_rank.at(std::size_t(info[i].owner)).push_back(i);
        std::vector<std::size_t> out;
        for (const auto& r : by_rank) out.insert(out.end(), r.begin(), r.end());
        return out;
    }

    // Collectively: `fn(i, h, out)` appends `width` numbers for each configuration i this rank owns
    // (h: its index in held()); returns every configuration's numbers in set order (size() x
    // width) on every rank. Each number depends on its configuration alone, so the result is the
    // same for any number of ranks. An exception on one rank (from fn) leaves the others in the
    // gather: under MPI the caller must end the job (the tool aborts it, cli/main.cpp).
    template <class Fn>
    std::vector<double> map_owned(std::size_t width, Fn&& fn) const {
        std::vector<double> local;
        for (std::size_t i : owned()) {
            const std::size_t before = local.size();
            fn(i, held_index(i), local);
            if (local.size() != before + width)
                throw Error(str("a per-configuration result has ", local.size() - before, " numbers, not ", width),
                            "ShardedSet::map_owned", "report this as a bug");
        }
        const std::vector<double> all = comm_.allgather(local);
        const std::vector<std::size_t> order = owner_order();
        if (all.size() != order.size() * width)
            throw Error(str("gathered ", all.size(), " numbers for ", order.size(), " configurations"), "ShardedSet::map_owned",
                        "report this as a bug");
        std::vector<double> out(size() * width);
        for (std::size_t k = 0; k < order.size(); ++k)
            std::copy_n(all.begin() + std::ptrdiff_t(k * width), width, out.begin() + std::ptrdiff_t(order[k] * width));
        return out;
    }

    // Configurations `idx` of this set (any order) as a set of their own, with the same owners:
    // every rank keeps their infos and copies the ones it owns (of a replicated set too, so that
    // the subset holds what it owns and no more).
    ShardedSet subset(const std::vector<std::size_t>& idx) const {
        ShardedSet s;
        s.comm_ = comm_;
        s.cutoff_ = cutoff_;
        s.held_index_.assign(idx.size(), npos);
        for (std::size_t k = 0; k < idx.size(); ++k) {
            s.info.push_back(info.at(idx[k]));
            const std::size_t h = held_index(idx[k]);
            if (h == npos || info[idx[k]].owner != comm_.rank()) continue;
            s.held_index_[k] = s.own_.size();
            append_item(held(), h, s.own_);
        }
        return s;
    }

    // Appends configuration i of `from` (a sharded set of the same communicator and cutoff) with
    // other labels: total energy `energy`, `config_type`, no stress, and forces `forces` when
    // has_forces (read where held; has_forces must be the same on every rank).
    void append(const ShardedSet& from, std::size_t i, double energy, const std::string& config_type, bool has_forces,
                const std::vector<double>& forces) {
        if (external_ || from.external_)
            throw Error("a replicated set is a view", "ShardedSet::append", "append between sharded sets");
        if (from.cutoff_ != cutoff_ || from.comm_.size() != comm_.size())
            throw Error("sets of different cutoffs or communicators", "ShardedSet::append");
        ConfigInfo c = from.info.at(i);
        c.energy = energy;
        c.config_type = config_type;
        c.has_forces = has_forces;
        c.has_stress = false;
        info.push_back(std::move(c));
        held_index_.push_back(npos);
        const std::size_t h = from.held_index(i);
        if (h == npos) return;
        held_index_.back() = own_.size();
        append_item(from.held(), h, own_);
        own_.energies.back() = energy;
        own_.config_types.back() = config_type;
        own_.forces.back() = has_forces ? forces : std::vector<double>{};
        own_.stress.back().clear();
    }

    // A view of a set that every rank holds whole (it must outlive the view).
    static ShardedSet replicated(const PreparedSet& set, const Communicator& comm) {
        ShardedSet s;
        s.comm_ = comm;
        s.external_ = &set;
        s.cutoff_ = set.lists.empty() ? 0.0 : set.lists[0].cutoff;
        s.info.resize(set.size());
        std::vector<double> cost;
        for (std::size_t i = 0; i < set.size(); ++i) {
            ConfigInfo& c = s.info[i];
            c.numbers = set.structures[i].numbers;
            c.energy = set.energies.at(i);
            c.config_type = i < set.config_types.size() ? set.config_types[i] : "";
            c.source = i < set.sources.size() ? set.sources[i] : "";
            c.has_forces = i < set.forces.size() && !set.forces[i].empty();
            c.has_stress = i < set.stress.size() && !set.stress[i].empty();
            c.n_edges = index_t(set.lists.at(i).centers.size());
            cost.push_back(c.cost());
        }
        const std::vector<std::size_t> begin = partition_by_cost(cost, comm.size());
        for (int r = 0; r < comm.size(); ++r)
            for (std::size_t i = begin[std::size_t(r)]; i < begin[std::size_t(r) + 1]; ++i) s.info[i].owner = r;
        return s;
    }

    // Every configuration's info and this rank's configurations (`held`, ascending set indices
    // `held_at`), prepared at `cutoff`; collectively, the list lengths of all.
    static ShardedSet from_shares(std::vector<ConfigInfo> info, const Dataset& held, const std::vector<std::size_t>& held_at,
                                  double cutoff, const Communicator& comm, const Host& host) {
        ShardedSet s;
        s.comm_ = comm;
        s.cutoff_ = cutoff;
        s.info = std::move(info);
        s.own_ = prepare(held, cutoff, host);
        s.held_index_.assign(s.size(), npos);
        std::vector<double> edges;
        for (std::size_t k = 0; k < held_at.size(); ++k) {
            s.held_index_.at(held_at[k]) = k;
            edges.push_back(double(s.own_.lists[k].centers.size()));
        }
        const std::vector<double> all = comm.allgather(edges);
        const std::vector<std::size_t> order = s.owner_order();
        if (all.size() != order.size())
            throw Error(str("ranks hold ", all.size(), " configurations of ", order.size()), "ShardedSet",
                        "every rank must read the same data");
        for (std::size_t k = 0; k < order.size(); ++k) s.info[order[k]].n_edges = index_t(all[k]);
        return s;
    }

    // Collectively (every rank, the same items): configurations `items` of the set, in that order,
    // with structures and labels on every rank and neighbour lists for positions [lists_first,
    // lists_last) only (the others have none: no edges).
    PreparedSet gather(const std::vector<std::size_t>& items, std::size_t lists_first, std::size_t lists_last,
                       const Host& host) const {
        const std::size_t B = items.size();
        PreparedSet out;
        out.structures.resize(B);
        out.forces.resize(B);
        out.stress.resize(B);
        std::vector<char> here(B, 0);
        std::vector<double> mine;  // this rank's configurations among items, packed
        const PreparedSet& p = held();
        for (std::size_t k = 0; k < B; ++k) {
            const std::size_t i = items[k], h = held_index(i);
            out.energies.push_back(info.at(i).energy);
            out.config_types.push_back(info[i].config_type);
            out.sources.push_back(info[i].source);
            if (h == npos) continue;
            here[k] = 1;
            if (!external_) {
                pack(k, p.structures[h], h < p.forces.size() ? p.forces[h] : none_, h < p.stress.size() ? p.stress[h] : none_,
                     mine);
                continue;
            }
            out.structures[k] = p.structures[h];
            if (h < p.forces.size()) out.forces[k] = p.forces[h];
            if (h < p.stress.size()) out.stress[k] = p.stress[h];
        }
        // (this rank's own configurations too come back through the gather: one path for all)
        if (!external_) unpack(comm_.allgather(mine), out);
        out.lists.resize(B);
        for (std::size_t k = 0; k < B; ++k) {
            const Structure& st = out.structures[k];
            if (k < lists_first || k >= lists_last) {
                out.lists[k].cutoff = cutoff_;
                out.lists[k].offsets.assign(std::size_t(st.size()) + 1, 0);
            } else if (here[k]) {
                out.lists[k] = held().lists[held_index(items[k])];
            } else {
                out.lists[k] = build_neighbor_list(st, cutoff_, NeighborOptions{}, host);
            }
        }
        return out;
    }

private:
    // k, n, has_lattice, pbc (3), lattice (9), numbers (n), positions (3n), n_f, forces, n_s, stress
    static void pack(std::size_t k, const Structure& s, const std::vector<double>& forces,
                     const std::vector<double>& stress, std::vector<double>& out) {
        out.push_back(double(k));
        out.push_back(double(s.size()));
        out.push_back(s.cell.has_lattice ? 1.0 : 0.0);
        for (bool b : s.cell.pbc) out.push_back(b ? 1.0 : 0.0);
        for (const Vec3& row : s.cell.lattice) out.insert(out.end(), row.begin(), row.end());
        for (int z : s.numbers) out.push_back(double(z));
        out.insert(out.end(), s.positions.begin(), s.positions.end());
        out.push_back(double(forces.size()));
        out.insert(out.end(), forces.begin(), forces.end());
        out.push_back(double(stress.size()));
        out.insert(out.end(), stress.begin(), stress.end());
    }

    void unpack(const std::vector<double>& all, PreparedSet& out) const {
        std::size_t at = 0;
        auto take = [&](std::size_t n) {
            if (at + n > all.size())
                throw Error("a gathered configuration is truncated", str("rank ", comm_.rank()), "report this as a bug");
            const double* p = all.data() + at;
            at += n;
            return p;
        };
        while (at < all.size()) {
            const std::size_t k = std::size_t(*take(1)), n = std::size_t(*take(1));
            const bool has_lattice = *take(1) != 0;
            const double* pbc = take(3);
            const double* lat = take(9);
            const double* z = take(n);
            const double* r = take(3 * n);
            const std::size_t nf = std::size_t(*take(1));
            const double* f = take(nf);
            const std::size_t ns = std::size_t(*take(1));
            const double* st = take(ns);
            Structure& s = out.structures.at(k);
            s.cell.has_lattice = has_lattice;
            for (int d = 0; d < 3; ++d) {
                s.cell.pbc[std::size_t(d)] = pbc[d] != 0;
                for (int c = 0; c < 3; ++c) s.cell.lattice[std::size_t(d)][std::size_t(c)] = lat[3 * d + c];
            }
            s.numbers.assign(z, z + n);
            s.positions.assign(r, r + 3 * n);
            out.forces[k].assign(f, f + nf);
            out.stress[k].assign(st, st + ns);
        }
    }

    Communicator comm_;
    double cutoff_ = 0;
    const PreparedSet* external_ = nullptr;  // replicated: every rank's whole set
    PreparedSet own_;                        // sharded: this rank's configurations
    std::vector<std::size_t> held_index_;    // sharded: set index -> index in own_, or npos
    std::vector<double> none_;               // no labels
};

// Collectively: how many of `total` configurations each rank holds, e.g. "97, 96, 96 of 289".
inline std::string held_shares(const Communicator& comm, std::size_t held, std::size_t total) {
    std::string out;
    for (double h : comm.allgather({double(held)})) out += str(out.empty() ? "" : ", ", std::size_t(h));
    return str(out, " of ", total);
}

// (prepared_set.hpp's accessors for a set spread over ranks: what every rank knows)
inline ShardedSet subset_of(const ShardedSet& set, const std::vector<std::size_t>& idx) { return set.subset(idx); }
inline double energy_label(const ShardedSet& set, std::size_t i) { return set.info.at(i).energy; }
inline const std::vector<int>& atomic_numbers(const ShardedSet& set, std::size_t i) { return set.info.at(i).numbers; }

// An extxyz file read by every rank, each keeping the samples of frames f with f mod N == rank and
// the info of every frame; select() makes a ShardedSet of any subset of the frames (a split).
struct ShardedData {
    std::vector<ConfigInfo> info;     // every frame (n_edges 0: no cutoff yet)
    Dataset held;                     // this rank's frames, ascending
    std::vector<std::size_t> held_frames;

    std::size_t size() const { return info.size(); }

    static ShardedData read(const std::filesystem::path& path, const Communicator& comm) {
        ShardedData d;
        const std::size_t N = std::size_t(comm.size()), me = std::size_t(comm.rank());
        for_each_sample(path, [&](Sample&& s, std::size_t f) {
            d.info.push_back(config_info(s, int(f % N)));
            if (f % N != me) return;
            d.held.samples.push_back(std::move(s));
            d.held_frames.push_back(f);
        });
        if (d.info.empty()) throw Error("no configurations", path.string(), "check the file");
        return d;
    }

    // The frames `frames` (in that order, e.g. a shuffled split) as a set prepared at `cutoff`.
    ShardedSet select(const std::vector<std::size_t>& frames, double cutoff, const Communicator& comm,
                      const Host& host) const {
        std::vector<std::size_t> held_at_frame(size(), ShardedSet::npos);
        for (std::size_t h = 0; h < held_frames.size(); ++h) held_at_frame[held_frames[h]] = h;
        std::vector<ConfigInfo> sub;
        Dataset mine;
        std::vector<std::size_t> at;
        for (std::size_t k = 0; k < frames.size(); ++k) {
            const std::size_t f = frames[k];
            sub.push_back(info.at(f));
            if (held_at_frame[f] == ShardedSet::npos) continue;
            mine.samples.push_back(held.samples[held_at_frame[f]]);
            at.push_back(k);
        }
        return ShardedSet::from_shares(std::move(sub), mine, at, cutoff, comm, host);
    }
};

}  // namespace eipnn
