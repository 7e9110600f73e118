// `eipnn reproduce`: METHOD.md's table for one element. Baseline, strategy 1 (weak labels),
// strategy 2 (pretraining) and both, over N seeds (each its own train/valid split and
// initialisation), evaluated on the DFT test split; written as Markdown, CSV and a bar chart.
// `--quick` is a smoke-sized run (minutes); the default is sized to finish all three elements
// within an hour on 2 cores; the paper's sizes are reachable by flags. --device cuda trains on the
// GPU wherever the trainer's default step runs (every training but strategy 1's classifier).
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include "cli/cmd_pool.hpp"
#include "cli/device.hpp"
#include "cli/resources.hpp"
#include "eipnn/eip/registry.hpp"
#include "eipnn/parallel/communicator.hpp"
#include "eipnn/train/strategies/default_eip_pools.hpp"
#include "cli/loss_flags.hpp"
#include "cli/model_flags.hpp"
#include "eipnn/train/strategies/pipeline.hpp"

namespace eipnn::cli {

struct ReproduceOptions {
    std::string element = "Si", data, out;
    bool quick = false;
    int seeds = 3, threads = 0;
    std::string device = "cpu";
    std::size_t pool_size = 0;                 // 0: by mode
    int epochs = 0, classifier_epochs = 0, pretrain_epochs = 0;  // 0: by mode
    std::string alphas;                        // comma list; empty: by mode
    std::vector<std::string> eips;             // override the default pool
    ModelFlags model;                          // sizes the user did not give: by mode
    LossFlags loss;                            // --forces: DFT forces (and stresses) in the DFT terms
    bool weak_forces = false;                  // --weak-forces: strategy 1's weak labels include the EIP's forces
    std::string train_fractions;               // --train-fractions: learning curves over nested training subsets
    std::string methods;                       // --methods: comma list; empty: all four
    std::vector<std::string> method_list;      // parsed: "baseline" first, then those asked for, in METHOD.md's order
};

inline const std::vector<std::string>& all_methods() {
    static const std::vector<std::string> m{"baseline", "weak", "pretrain", "both"};
    return m;
}

// "--methods pretrain,baseline" -> {baseline, pretrain}: the baseline always runs (every change is
// measured against it); unknown names and 'both' without its two parts are errors.
inline std::vector<std::string> parse_methods(const std::string& text) {
    if (text.empty()) return all_methods();
    std::vector<std::string> asked;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = text.find(',', pos);
        const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (std::find(all_methods().begin(), all_methods().end(), item) == all_methods().end())
            throw Error(str("--methods item '", item, "' is not a method"), "eipnn reproduce", "choose from baseline,weak,pretrain,both");
        asked.push_back(item);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    auto has = [&](const char* m) { return std::find(asked.begin(), asked.end(), m) != asked.end(); };
    if (has("both") && !(has("weak") && has("pretrain")))
        throw Error("--methods has 'both' without 'weak' and 'pretrain'", "eipnn reproduce",
                    "both reuses strategy 1's alpha and strategy 2's pretrained model: add weak,pretrain");
    std::vector<std::string> out{"baseline"};
    for (const std::string& m : all_methods())
        if (m != "baseline" && has(m.c_str())) out.push_back(m);
    return out;
}

// Everything the seeds share: the DFT splits' source, the pool and every EIP label. Held whole by
// every rank (Dataset, PreparedSet), or under mpirun spread over the ranks (ShardedData,
// ShardedSet: each rank holds a share of the training file, the test set and the pool; the EIP
// energies, K numbers per configuration, are on every rank).
template <class Source, class Set>
struct ReproduceDataT {
    Source all_train;
    Set test, pool;
    EipEnergies pool_eip, train_eip_all, test_eip;
    std::size_t n_eips = 0;
};
using ReproduceData = ReproduceDataT<Dataset, PreparedSet>;
using ShardedReproduceData = ReproduceDataT<ShardedData, ShardedSet>;

// Training-file configurations idx (a seed's split or subset) prepared at `cutoff`.
inline PreparedSet split_of(const Dataset& all, const std::vector<std::size_t>& idx, double cutoff, const Host& host,
                            const Communicator&) {
    return prepare(all.subset(idx), cutoff, host);
}
inline ShardedSet split_of(const ShardedData& all, const std::vector<std::size_t>& idx, double cutoff, const Host& host,
                           const Communicator& comm) {
    return all.select(idx, cutoff, comm, host);
}

// Every seed's results at one training-set size.
struct FractionRuns {
    double fraction = 1;                          // of each seed's training split
    std::vector<std::size_t> n_train;             // DFT training configurations, per seed
    std::vector<std::vector<MethodResult>> runs;  // per seed
    std::vector<PipelineReport> reports;          // per seed
};

// 0.3 as "0.3", not as its 17 digits
inline std::string str_g(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

inline std::string fraction_name(double f) { return "fraction_" + str_g(f); }

// Runs the pipeline with model ModelT once per seed (each its own train/valid split) and training
// fraction (nested subsets of the seed's training split, validation and test sets whole). Folders:
// OUT/seed<s>, or with subsets OUT/fraction_<f>/seed<s>.
template <template <class> class ModelT, class Data>
void run_reproduce_seeds(PipelineConfigT<typename ModelT<float>::ConfigType> pc, int seeds, const std::vector<double>& fractions,
                         bool subset_dirs, const Data& d, const std::string& out, const Host& host,
                         const Communicator& comm, const std::string& device, std::vector<FractionRuns>& results) {
    using Set = decltype(d.test);
    const std::vector<double> test_energies = energy_labels(d.test);
    results.assign(fractions.size(), {});
    for (std::size_t f = 0; f < fractions.size(); ++f) results[f].fraction = fractions[f];
    const auto gradients = device_gradients_for<ModelT<float>>(device);  // one for every training
    for (int seed = 0; seed < seeds; ++seed) {
        pc.seed = 42 + std::uint64_t(seed);
        const auto parts = random_split(d.all_train.size(), {1.0 - pc.valid_fraction, pc.valid_fraction}, pc.seed);
        auto labelled = [&](const std::vector<std::size_t>& idx) {
            LabelledSplitT<Set> ls;
            ls.set = split_of(d.all_train, idx, pc.model.cutoff, host, comm);
            ls.eip.names = d.train_eip_all.names;
            for (std::size_t i : idx) {
                ls.eip.n_atoms.push_back(d.train_eip_all.n_atoms[i]);
                for (std::size_t k = 0; k < d.n_eips; ++k) ls.eip.energies.push_back(d.train_eip_all.at(i, k));
            }
            return ls;
        };
        const LabelledSplitT<Set> valid = labelled(parts[1]);
        // a stream of its own, so the subsets do not repeat the train/valid shuffle
        const auto subsets = nested_subsets(parts[0], fractions, pc.seed * 0x9E3779B97F4A7C15ull + 1);
        for (std::size_t f = 0; f < fractions.size(); ++f) {
            const LabelledSplitT<Set> train = labelled(subsets[f]);
            std::filesystem::path dir = out;
            if (subset_dirs) dir /= fraction_name(fractions[f]);
            PipelineT<ModelT> p(pc, dir / str("seed", seed));
            const std::string tag = subset_dirs ? str("[seed ", seed, ", ", subsets[f].size(), " DFT configs] ") : str("[seed ", seed, "] ");
            p.comm = comm;
            p.gradients = gradients;
            if (p.comm.root()) p.log = [tag](const std::string& m) { std::fprintf(stderr, "%s%s\n", tag.c_str(), m.c_str()); };
            PipelineReport rep = p.run(train, valid, d.test, d.pool, d.pool_eip);
            rep.eip_test_mae = eip_mae_meV_per_atom(apply_eip_shifts(d.test_eip, rep.eip_shifts), test_energies);
            results[f].n_train.push_back(subsets[f].size());
            results[f].runs.push_back(rep.results);
            results[f].reports.push_back(rep);
        }
    }
}

inline std::string str_fixed(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", x);
    return buf;
}

// "12.3 % better" or "4.5 % worse": the change of the MAE relative to the baseline's.
inline std::string relative_change(double baseline, double value) {
    const double pct = 100.0 * (baseline - value) / baseline;
    return str_fixed(std::abs(pct)) + (pct >= 0 ? " % better" : " % worse");
}

// "0.1,1,10" for FLAG: std::stod alone would accept "1x" and report "stod" for "x"; every item
// must be a whole number in (0, max].
inline std::vector<double> parse_positive_list(const std::string& s, const char* flag, double max, const char* hint) {
    std::vector<double> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const std::size_t comma = s.find(',', pos);
        const std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::size_t used = 0;
        double a = 0;
        try {
            a = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (item.empty() || used != item.size() || !(a > 0) || !(a <= max))
            throw Error(str(flag, " item '", item, "' is not ", std::isinf(max) ? std::string("a positive number") : str("a number in (0, ", max, "]")),
                        "eipnn reproduce", hint);
        out.push_back(a);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

// Mean and sample standard deviation (0 for one value).
inline std::pair<double, double> mean_sd(const std::vector<double>& v) {
    double mean = 0, var = 0;
    for (double x : v) mean += x / double(v.size());
    for (double x : v) var += (x - mean) * (x - mean) / double(v.size() > 1 ? v.size() - 1 : 1);
    return {mean, std::sqrt(var)};
}

// results.{md,csv,png} of one training-set size in `dir`; `subset`: say how many DFT
// configurations each seed trained on.
inline void write_reproduce_outputs(const ReproduceOptions& o, const std::filesystem::path& dir, const FractionRuns& fr,
                                    const std::string& sizes, bool subset) {
    const std::vector<std::vector<MethodResult>>& runs = fr.runs;
    const std::vector<PipelineReport>& reports = fr.reports;
    std::filesystem::create_directories(dir);
    const std::vector<std::string>& methods = o.method_list;
    {
        std::ofstream csv(dir / "results.csv");
        csv << "element,method,seed,test_energy_mae_meV_per_atom,test_force_mae_eV_per_A\n";
        for (std::size_t s = 0; s < runs.size(); ++s)
            for (const MethodResult& r : runs[s])
                csv << o.element << ',' << r.method << ',' << s << ',' << r.test_mae_meV_per_atom << ','
                    << (r.test_force_mae_eV_per_A >= 0 ? str(r.test_force_mae_eV_per_A) : std::string()) << '\n';
    }
    const bool forces = !runs.empty() && !runs[0].empty() && runs[0][0].test_force_mae_eV_per_A >= 0;
    const char* weak_kind = o.weak_forces ? "the selected EIP's energies and forces" : "energies";
    auto stats = [&](const std::string& m, bool force = false) {
        std::vector<double> v;
        for (const auto& run : runs)
            for (const auto& r : run)
                if (r.method == m) v.push_back(force ? r.test_force_mae_eV_per_A : r.test_mae_meV_per_atom);
        return mean_sd(v);
    };
    const double base = stats("baseline").first;
    std::ostringstream md;
    md << "# " << o.element << " (" << o.model.kind << "): test energy MAE over " << runs.size() << " seed(s)\n\n" << sizes << "\n\n"
       << (forces ? str("Trained on DFT energies and forces (weak labels: ", weak_kind, ").\n\n") : std::string())
       << (subset ? str("Training subset: fraction ", str_g(fr.fraction), " of each seed's training split (", fr.n_train.front(),
                        " DFT configurations for seed 0); validation and test sets whole.\n\n")
                  : std::string())
       << "| method | test MAE (meV/atom) | change vs baseline |" << (forces ? " test force MAE (eV/Å) | change vs baseline |" : "")
       << "\n|---|---|---|" << (forces ? "---|---|" : "") << "\n";
    const double base_force = forces ? stats("baseline", true).first : 0;
    for (const std::string& m : methods) {
        const auto [mean, sd] = stats(m);
        const bool is_base = m == "baseline";
        md << "| " << m << " | " << str_fixed(mean) << " ± " << str_fixed(sd) << " | "
           << (is_base ? std::string("—") : relative_change(base, mean)) << " |";
        if (forces) {
            const auto [fm, fs] = stats(m, true);
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.4f ± %.4f", fm, fs);
            md << " " << buf << " | " << (is_base ? std::string("—") : relative_change(base_force, fm)) << " |";
        }
        md << "\n";
    }
    md << "\n## Per seed\n\n| seed | EIP shift estimator | class histogram (train; last = none within 0.1 eV/atom) | classifier valid acc | weak labels | alpha |\n|---|---|---|---|---|---|\n";
    for (std::size_t s = 0; s < reports.size(); ++s) {
        std::string hist, alpha;
        for (int h : reports[s].class_histogram_train) hist += std::to_string(h) + " ";
        for (const auto& r : reports[s].results)
            if (r.method == "weak") alpha = str_fixed(r.alpha);
        md << "| " << s << " | " << reports[s].estimator << " | " << hist << " | " << str_fixed(reports[s].classifier_valid_accuracy)
           << " | " << reports[s].n_weak << " / " << reports[s].n_pool << " | " << alpha << " |\n";
    }
    if (!reports.empty()) {
        md << "\n## EIPs (seed 0): shift and aligned test MAE\n\n| EIP | shift (eV/atom) | test MAE (meV/atom) |\n|---|---|---|\n";
        for (std::size_t k = 0; k < reports[0].eip_names.size(); ++k)
            md << "| " << reports[0].eip_names[k] << " | " << str_fixed(reports[0].eip_shifts[k]) << " | "
               << str_fixed(reports[0].eip_test_mae[k]) << " |\n";
        for (const auto& n : reports[0].notes) md << "\nNote: " << n << "\n";
    }
    std::ofstream(dir / "results.md") << md.str();
    std::printf("%s", md.str().c_str());
    if (!run_python_script("plot_reproduce.py", {(dir / "results.csv").string(), (dir / "results.png").string()}))
        std::fprintf(stderr, "note: no bar chart (python3-matplotlib missing?)\n");
}

// With --train-fractions: OUT/learning_curve.{csv,md,png}, every method's test MAE against the
// number of DFT training configurations, its change against the baseline paired by seed (same
// split, same subset), and in the plot SNAP/qSNAP on the same test set as references (when LAMMPS
// and the OpenKIM SNAP models are installed).
inline void write_learning_curve(const ReproduceOptions& o, const std::vector<FractionRuns>& all,
                                 const std::filesystem::path& test_file) {
    const std::filesystem::path dir = o.out;
    const std::vector<std::string>& methods = o.method_list;
    {
        std::ofstream csv(dir / "learning_curve.csv");
        csv << "element,method,seed,train_fraction,n_train,test_energy_mae_meV_per_atom,test_force_mae_eV_per_A\n";
        for (const FractionRuns& fr : all)
            for (std::size_t s = 0; s < fr.runs.size(); ++s)
                for (const MethodResult& r : fr.runs[s])
                    csv << o.element << ',' << r.method << ',' << s << ',' << fr.fraction << ',' << fr.n_train[s] << ','
                        << r.test_mae_meV_per_atom << ','
                        << (r.test_force_mae_eV_per_A >= 0 ? str(r.test_force_mae_eV_per_A) : std::string()) << '\n';
    }
    const bool forces = !all.empty() && !all[0].runs.empty() && all[0].runs[0][0].test_force_mae_eV_per_A >= 0;
    auto value = [&](const MethodResult& r, bool force) { return force ? r.test_force_mae_eV_per_A : r.test_mae_meV_per_atom; };
    auto find = [](const std::vector<MethodResult>& run, const std::string& m) -> const MethodResult& {
        for (const MethodResult& r : run)
            if (r.method == m) return r;
        throw Error(str("no result for method ", m), "eipnn reproduce");
    };
    std::ostringstream md;
    md << "# " << o.element << " (" << o.model.kind << "): test MAE against the number of DFT training configurations\n\n"
       << "Nested random subsets of each seed's training split; validation and test sets whole. Change: "
          "100 (baseline - method) / baseline per seed, then mean ± std over seeds.\n\n"
       << "| fraction | DFT configs (mean over seeds) | method | energy MAE (meV/atom) | change |"
       << (forces ? " force MAE (eV/Å) | change |" : "") << "\n|---|---|---|---|---|" << (forces ? "---|---|" : "") << "\n";
    for (const FractionRuns& fr : all) {
        double n_mean = 0;
        for (std::size_t n : fr.n_train) n_mean += double(n) / double(fr.n_train.size());
        for (const std::string& m : methods) {
            md << "| " << str_g(fr.fraction) << " | " << str_g(n_mean) << " | " << m;
            for (bool force : forces ? std::vector<bool>{false, true} : std::vector<bool>{false}) {
                std::vector<double> v, change;
                for (const auto& run : fr.runs) {
                    const double base = value(find(run, "baseline"), force), x = value(find(run, m), force);
                    v.push_back(x);
                    change.push_back(100.0 * (base - x) / base);
                }
                const auto [mean, sd] = mean_sd(v);
                const auto [cm, cs] = mean_sd(change);
                char buf[96];
                std::snprintf(buf, sizeof buf, force ? "%.4f ± %.4f" : "%.2f ± %.2f", mean, sd);
                md << " | " << buf << " | ";
                if (m == "baseline") {
                    md << "—";
                } else {
                    std::snprintf(buf, sizeof buf, "%+.1f ± %.1f %%", cm, cs);
                    md << buf;
                }
            }
            md << " |\n";
        }
    }
    std::ofstream(dir / "learning_curve.md") << md.str();
    std::printf("\n%s", md.str().c_str());
    const std::filesystem::path snap = dir / "snap.json";
    if (!run_python_script("snap_baseline.py", {o.element, test_file.string(), "--json-out", snap.string()}))
        std::fprintf(stderr, "note: no SNAP references in the plot (lmp, ase or the OpenKIM SNAP models missing)\n");
    std::vector<std::string> args{(dir / "learning_curve.csv").string(), (dir / "learning_curve.png").string()};
    if (std::filesystem::exists(snap)) args.push_back(snap.string());
    if (!run_python_script("plot_train_fractions.py", args))
        std::fprintf(stderr, "note: no learning-curve plot (python3-matplotlib missing?)\n");
}

// The unlabelled pool's configuration k (its generator's seed is fixed: one pool per run).
inline Sample pool_sample(const PoolConfig& cfg, std::size_t k) {
    Sample s;
    s.structure = make_pool_item(cfg, k).structure;
    s.source = str("pool ", k);
    return s;
}

inline void note_eip_failures(const std::vector<NamedPotential>& eips, const EipLabelReport& r, const Communicator& comm) {
    for (std::size_t k = 0; k < eips.size(); ++k)
        if (r.failures[k] && comm.root())
            std::fprintf(stderr, "note: %s could not evaluate %zu pool configurations (masked); first: %s\n",
                         eips[k].name.c_str(), r.failures[k], r.first_failure.c_str());
}

// The data of one process: every file and the whole pool, labelled by every EIP.
inline ReproduceData load_reproduce_data(const std::filesystem::path& dir, const std::vector<NamedPotential>& eips,
                                         const PoolConfig& pool_cfg, std::size_t pool_size, double cutoff, bool eip_forces,
                                         const Host& host, const Communicator& comm) {
    ReproduceData d;
    d.n_eips = eips.size();
    d.all_train = load_dataset(dir / "training.extxyz");
    d.test = prepare(load_dataset(dir / "test.extxyz"), cutoff, host);
    Dataset pool_data;
    for (std::size_t k = 0; k < pool_size; ++k) pool_data.samples.push_back(pool_sample(pool_cfg, k));
    d.pool = prepare(pool_data, cutoff, host);
    EipLabelReport pool_report;
    d.pool_eip = label_with_eips(eips, d.pool.structures, host, &pool_report, eip_forces);
    note_eip_failures(eips, pool_report, comm);
    std::vector<Structure> all_structures;
    for (const auto& s : d.all_train.samples) all_structures.push_back(s.structure);
    d.train_eip_all = label_with_eips(eips, all_structures, host);
    d.test_eip = label_with_eips(eips, d.test.structures, host);
    return d;
}

// The same spread over the ranks: every rank reads both files and draws every pool item (for
// every configuration's info), but configuration f of each file and pool item k are kept, listed
// and labelled by the EIPs by rank f mod N and k mod N only.
inline ShardedReproduceData load_sharded_reproduce_data(const std::filesystem::path& dir,
                                                        const std::vector<NamedPotential>& eips, const PoolConfig& pool_cfg,
                                                        std::size_t pool_size, double cutoff, bool eip_forces,
                                                        const Host& host, const Communicator& comm) {
    ShardedReproduceData d;
    d.n_eips = eips.size();
    const auto n_atoms = [](const std::vector<ConfigInfo>& info) {
        std::vector<int> n;
        for (const ConfigInfo& c : info) n.push_back(int(c.n_atoms()));
        return n;
    };
    const auto all = [](std::size_t n) {
        std::vector<std::size_t> idx(n);
        for (std::size_t i = 0; i < n; ++i) idx[i] = i;
        return idx;
    };
    d.all_train = ShardedData::read(dir / "training.extxyz", comm);
    const ShardedData test_data = ShardedData::read(dir / "test.extxyz", comm);
    d.test = test_data.select(all(test_data.size()), cutoff, comm, host);
    // every rank draws every pool item for its info (atomic numbers) and keeps its own
    std::vector<ConfigInfo> pool_info;
    Dataset pool_mine;
    std::vector<std::size_t> pool_at;
    for (std::size_t k = 0; k < pool_size; ++k) {
        Sample s = pool_sample(pool_cfg, k);
        const int owner = int(k % std::size_t(comm.size()));
        pool_info.push_back(config_info(s, owner));
        if (owner != comm.rank()) continue;
        pool_mine.samples.push_back(std::move(s));
        pool_at.push_back(k);
    }
    d.pool = ShardedSet::from_shares(std::move(pool_info), pool_mine, pool_at, cutoff, comm, host);
    EipLabelReport pool_report;
    d.pool_eip = label_with_eips(eips, d.pool.held().structures, d.pool.owned(), n_atoms(d.pool.info), comm, host,
                                 &pool_report, eip_forces);
    note_eip_failures(eips, pool_report, comm);
    std::vector<Structure> train_held;
    for (const Sample& s : d.all_train.held.samples) train_held.push_back(s.structure);
    d.train_eip_all = label_with_eips(eips, train_held, d.all_train.held_frames, n_atoms(d.all_train.info), comm, host);
    d.test_eip = label_with_eips(eips, d.test.held().structures, d.test.owned(), n_atoms(d.test.info), comm, host);
    // (collectives, one after the other)
    const std::string train_shares = held_shares(comm, d.all_train.held.samples.size(), d.all_train.size());
    const std::string test_shares = held_shares(comm, d.test.held().size(), d.test.size());
    const std::string pool_shares = held_shares(comm, d.pool.held().size(), d.pool.size());
    const std::string shares = str("MPI ranks: ", comm.size(), "; configurations held: training ", train_shares,
                                   "; test ", test_shares, "; pool ", pool_shares);
    if (comm.root()) std::fprintf(stderr, "%s\n", shares.c_str());
    return d;
}

inline bool any_stress(const Dataset& d) {
    return std::any_of(d.samples.begin(), d.samples.end(), [](const Sample& s) { return !s.stress.empty(); });
}
inline bool any_stress(const ShardedData& d) {
    return std::any_of(d.info.begin(), d.info.end(), [](const ConfigInfo& c) { return c.has_stress; });
}

inline void add_reproduce_command(CLI::App& app) {
    auto o = std::make_shared<ReproduceOptions>();
    CLI::App* cmd = app.add_subcommand("reproduce", "METHOD.md's table (baseline, weak, pretrain, both) for one element");
    cmd->add_option("--element", o->element, "Si, Ge or Mo")->required();
    cmd->add_option("--data", o->data, "folder with mlearn-<el>/{training,test}.extxyz (default: $EIPNN_DATA, else ../shared/data from the "
                   "current directory, else ../shared/data beside the checkout the tool was built in)");
    cmd->add_option("--out", o->out, "output folder (results.md, results.csv, results.png, checkpoints)")->required();
    cmd->add_flag("--quick", o->quick, "smoke-sized run: tiny model, small pool, few epochs, one alpha");
    cmd->add_option("--seeds", o->seeds, "seeds (splits and initialisations)")->capture_default_str();
    cmd->add_option("--threads", o->threads, "threads; 0 = all cores");
    add_device_option(cmd, o->device);
    cmd->add_option("--pool-size", o->pool_size, "unlabelled configurations (paper: 14000)");
    cmd->add_option("--epochs", o->epochs, "epochs of DFT training (paper: 100)");
    cmd->add_option("--classifier-epochs", o->classifier_epochs, "classifier epochs (paper: 100)");
    cmd->add_option("--pretrain-epochs", o->pretrain_epochs, "pretraining epochs (paper: 100)");
    cmd->add_option("--alphas", o->alphas, "weak-loss weights to choose from on validation (paper: 0.01,...,10)");
    cmd->add_option("--eip", o->eips, "EIP pool override, NAME=STYLE:SOURCE (repeatable)");
    o->model.add(cmd);
    cmd->add_option("--train-fractions", o->train_fractions,
                    "learning curves: train every method on nested random subsets of each seed's training split, e.g. "
                    "0.1,0.25,0.5,1 (OUT/fraction_<f>/ and OUT/learning_curve.{md,csv,png})");
    o->loss.add(cmd);
    cmd->add_option("--methods", o->methods,
                    "comma list of baseline,weak,pretrain,both (default: all; the baseline always runs; 'both' needs weak and "
                    "pretrain), e.g. --methods baseline to measure a baseline alone");
    cmd->add_flag("--weak-forces", o->weak_forces,
                  "with --forces: strategy 1's weak labels also hold the selected EIP's forces, under the same Tukey loss "
                  "(weight alpha times the force weight)");
    cmd->callback([o]() {
        o->loss.validate("eipnn reproduce");
        if (o->weak_forces && !(o->loss.weights(true).forces > 0))  // true: no note about stress here
            throw Error("--weak-forces without a force weight", "eipnn reproduce",
                        "add --forces (or --force-weight W): weak force labels only count beside DFT forces");
        // sizes: quick (minutes), default (all three elements within an hour on 2 cores), paper by flags
        const bool q = o->quick;
        // flags checked before anything is read or created
        if (o->seeds < 1) throw Error(str("--seeds must be at least 1, got ", o->seeds), "eipnn reproduce");
        o->method_list = parse_methods(o->methods);
        const bool subsets = !o->train_fractions.empty();
        std::vector<double> fractions{1.0};
        if (subsets) {
            fractions = parse_positive_list(o->train_fractions, "--train-fractions", 1.0, "e.g. --train-fractions 0.1,0.25,0.5,1");
            std::sort(fractions.begin(), fractions.end());
            fractions.erase(std::unique(fractions.begin(), fractions.end()), fractions.end());
        }
        if (o->threads < 0) throw Error(str("--threads ", o->threads, " is negative"), "eipnn reproduce", "0 uses all cores");
        require_device(o->device, "eipnn reproduce", true);
        if (Communicator::world().size() > 1 && o->device != "cpu")
            throw Error("--device cuda runs the pipeline in one process only so far", "eipnn reproduce under MPI",
                        "run one process with --device cuda, or the ranks with --device cpu");
        for (const auto& [name, v] : {std::pair<const char*, int>{"--epochs", o->epochs}, {"--classifier-epochs", o->classifier_epochs},
                                      {"--pretrain-epochs", o->pretrain_epochs}})
            if (v < 0) throw Error(str(name, " ", v, " is negative"), "eipnn reproduce", "0 (the default) picks the mode's value");
        if (o->pool_size > kMaxPoolCount)
            throw Error(str("--pool-size must be at most ", kMaxPoolCount), "eipnn reproduce", "the paper's pool has 14000");
        // model sizes the user did not give: small for --quick, within the hour otherwise; SOAPNet
        // keeps the paper's descriptor (n_max 8, l_max 6) with a smaller MLP than its 128
        ModelFlags& m = o->model;
        const bool soapnet = m.kind == "soapnet";
        if (!m.given("--features")) m.features = q ? 16 : (soapnet ? 64 : 32);
        if (!m.given("--rbf")) m.rbf = q ? 16 : 32;
        if (!m.given("--interactions")) m.interactions = q ? 2 : 3;
        if (!m.given("--n-max")) m.n_max = q ? 4 : 8;
        if (!m.given("--l-max")) m.l_max = q ? 3 : 6;
        PipelineSizes pc;
        pc.epochs = o->epochs ? o->epochs : (q ? 4 : 30);
        pc.classifier_epochs = o->classifier_epochs ? o->classifier_epochs : (q ? 3 : 30);
        pc.pretrain_epochs = o->pretrain_epochs ? o->pretrain_epochs : (q ? 2 : 15);
        pc.alphas = !o->alphas.empty() ? parse_positive_list(o->alphas, "--alphas", HUGE_VAL, "e.g. --alphas 0.1,1,10") : (q ? std::vector<double>{1.0} : std::vector<double>{0.1, 1.0});
        pc.threads = o->threads;
        auto wants = [&](const char* m) { return std::find(o->method_list.begin(), o->method_list.end(), m) != o->method_list.end(); };
        pc.run_weak = wants("weak");
        pc.run_pretrain = wants("pretrain");
        pc.run_both = wants("both");
        // the pool only feeds the strategies: none asked for, none drawn or labelled
        const std::size_t pool_size = !(pc.run_weak || pc.run_pretrain) ? 0 : o->pool_size ? o->pool_size : (q ? 150 : 300);
        const int seeds = q && o->seeds == 3 ? 1 : o->seeds;
        const std::string paper = soapnet ? "--n-max 8 --l-max 6 --features 128" : "--features 128 --rbf 128 --interactions 5";
        const std::string sizes = str("Sizes: ", m.describe(), "; epochs ", pc.epochs, " (classifier ", pc.classifier_epochs,
                                      ", pretraining ", pc.pretrain_epochs, "); pool ", pool_size, "; alphas ", pc.alphas.size(),
                                      "; batch 32, Adam 1e-3, clip 5. The paper's: ", paper,
                                      " --epochs 100 --classifier-epochs 100 --pretrain-epochs 100 --pool-size 14000 "
                                      "--alphas 0.01,0.05,0.1,0.5,1,2,5,10.");
        // under mpirun every rank runs all of this, each holding a share of the data (the trainings
        // split their batches, pipeline.hpp); rank 0 prints and writes
        const Communicator comm = Communicator::world();
        if (comm.root()) std::fprintf(stderr, "%s\n", sizes.c_str());
        const Host host{o->threads};
        std::string lower = o->element;
        for (char& ch : lower) ch = char(std::tolower(ch));
        const std::filesystem::path data = o->data.empty() ? default_data_dir() : std::filesystem::path(o->data);
        const std::filesystem::path dir = data / ("mlearn-" + lower);
        if (!std::filesystem::exists(dir / "training.extxyz"))
            throw Error(str("no ", (dir / "training.extxyz").string()), "reproduce", "run scripts/fetch_data.sh or pass --data");

        // the project's extra potential files (../shared/data/potentials) after any the user set
        const std::string extra = (data / "potentials").string();
        const char* env = std::getenv("EIPNN_POTENTIALS");
        ::setenv("EIPNN_POTENTIALS", (env && *env ? std::string(env) + ":" + extra : extra).c_str(), 1);
        std::vector<NamedPotential> eips;
        for (const std::string& text : o->eips.empty() ? default_eip_pool(o->element) : o->eips) {
            const PotentialSpec spec = parse_potential_spec(text);
            eips.push_back({spec.name, std::shared_ptr<const Potential>(make_potential(spec))});
        }
        std::vector<FractionRuns> results;
        // created only once the data has loaded: a run that fails on its input leaves no folder
        const auto run = [&](const auto& d) {
            pc.dft_loss = o->loss.weights(any_stress(d.all_train));
            pc.weak_forces = o->weak_forces;
            if (pc.dft_loss.uses_forces() && comm.root())
                std::fprintf(stderr, "DFT terms: energy %g, forces %g, stress %g (weak labels: %s)\n", pc.dft_loss.energy,
                             pc.dft_loss.forces, pc.dft_loss.stress, o->weak_forces ? "EIP energies and forces" : "energies");
            std::filesystem::create_directories(o->out);
            with_model_kind<float>(m.kind, [&](auto* tag) {
                using Model = std::remove_pointer_t<decltype(tag)>;
                PipelineConfigT<typename Model::ConfigType> c;
                static_cast<PipelineSizes&>(c) = pc;
                c.model = m.config<Model>({});  // species come from the data
                run_reproduce_seeds<Model::template Rebind>(c, seeds, fractions, subsets, d, o->out, host, comm, o->device,
                                                            results);
            }, "--model");
        };
        const PoolConfig pool_cfg = default_pool_config(o->element);
        if (comm.active())
            run(load_sharded_reproduce_data(dir, eips, pool_cfg, pool_size, m.cutoff, o->weak_forces, host, comm));
        else
            run(load_reproduce_data(dir, eips, pool_cfg, pool_size, m.cutoff, o->weak_forces, host, comm));
        if (!comm.root()) return;
        for (const FractionRuns& fr : results)
            write_reproduce_outputs(*o, subsets ? std::filesystem::path(o->out) / fraction_name(fr.fraction) : std::filesystem::path(o->out),
                                    fr, sizes, subsets);
        if (subsets) write_learning_curve(*o, results, dir / "test.extxyz");
    });
}

}  // namespace eipnn::cli
