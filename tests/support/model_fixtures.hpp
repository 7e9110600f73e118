// What the model tests share: for every model kind of nn/models.hpp, how to build a small one
// (ModelFixture<Model>), the structures the gradient checks use, and the small Mo data sets and
// training options of the trainer and strategy tests. A test body written against these runs for
// every kind (Catch2's TEMPLATE_TEST_CASE over SchNet<double>, SoapNet<double>).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "eipnn/eip/morse.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "eipnn/train/pool.hpp"
#include "support/small_configs.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

namespace eipnn::test {

template <class Model>
struct ModelFixture;

// SchNet: small but complete (every parameter kind, two interactions).
template <class T>
struct ModelFixture<SchNet<T>> {
    using Config = SchNetConfig;
    using Other = SoapNet<T>;  // the other kind, for the wrong-kind tests

    // two species, two heads, a three-class classifier
    static Config small_config(bool residual = false) {
        Config c = with_small_outputs(Config{});
        c.n_features = 6;
        c.n_rbf = 10;
        c.n_interactions = 2;
        c.residual = residual;
        return c;
    }
    // every variant of the backbone the gradient checks cover
    static std::vector<Config> gradcheck_configs() { return {small_config(false), small_config(true)}; }
    // wider, so float rounding compounds as in real use
    static Config float_config() {
        Config c = small_config();
        c.n_features = 32;
        c.n_rbf = 25;
        return c;
    }
    // the paper's sizes (the PyTorch comparison), both variants
    static std::vector<Config> paper_configs() {
        Config c;
        c.n_heads = 2;
        c.n_classes = 4;
        Config r = c;
        r.residual = true;
        return {c, r};
    }
    // one species (Mo), for the trainer tests
    static Config mo_config() {
        Config c = with_mo_outputs(Config{});
        c.n_features = 8;
        c.n_rbf = 10;
        c.n_interactions = 2;
        return c;
    }
    static Config invalid_config() {
        Config c = small_config();
        c.n_features = 0;
        return c;
    }
    // the backbone's parameters by this model's own names (independent of the library's test)
    static bool backbone_parameter(const std::string& name) {
        return name == "embedding" || name.rfind("interaction", 0) == 0;
    }
    // a backbone that differs (transfer must refuse it)
    static Config other_backbone(Config c) {
        c.n_features += 2;
        return c;
    }
};

// SOAPNet: small but complete (two backbone layers, a real SOAP basis).
template <class T>
struct ModelFixture<SoapNet<T>> {
    using Config = SoapNetConfig;
    using Other = SchNet<T>;

    static Config small_config() {
        return small_soapnet_config();
    }
    static std::vector<Config> gradcheck_configs() { return {small_config()}; }
    static Config float_config() {
        Config c = small_config();
        c.hidden = 32;
        c.head_hidden = 32;
        c.soap.n_max = 4;
        c.soap.l_max = 3;
        return c;
    }
    // the paper's sizes: 252 SOAP features, width 128
    static std::vector<Config> paper_configs() {
        Config c;
        c.n_heads = 2;
        c.n_classes = 4;
        return {c};
    }
    static Config mo_config() {
        Config c = with_mo_outputs(Config{});
        c.soap.n_max = 3;
        c.soap.l_max = 2;
        c.hidden = 8;
        c.n_backbone_layers = 2;
        return c;
    }
    static Config invalid_config() {
        Config c = small_config();
        c.hidden = 0;
        return c;
    }
    static bool backbone_parameter(const std::string& name) { return name.rfind("backbone", 0) == 0; }
    static Config other_backbone(Config c) {
        c.hidden += 1;
        return c;
    }
};

// Rattled diamond with one Ge, a random triclinic cell with atoms outside it, rattled diamond.
inline std::vector<Structure> model_test_structures() {
    Structure a = diamond(5.43);
    rattle(a, 0.15, 3);
    a.numbers[2] = 32;
    Structure b = random_triclinic(6, 4.0, 5.5, 55, 115, 11, /*outside=*/true);
    b.numbers[0] = 32;
    Structure c = diamond(5.5);
    rattle(c, 0.1, 21);
    return {a, b, c};
}

// Structures with their lists at `cutoff`, energies 0 unless given.
inline PreparedSet prepared_set(const std::vector<Structure>& s, double cutoff, std::vector<double> energies = {}) {
    PreparedSet p;
    for (const Structure& x : s) {
        p.structures.push_back(x);
        p.lists.push_back(build_neighbor_list(x, cutoff));
    }
    p.energies = energies.empty() ? std::vector<double>(s.size(), 0.0) : std::move(energies);
    return p;
}

// A model of the config with its fixed inputs fitted to the test structures (so every SOAPNet
// input is O(1)) and non-trivial head constants for two heads and species {14, 32}.
template <class Model>
Model small_model(const typename Model::ConfigType& cfg, unsigned seed = 5) {
    Model m(cfg, seed);
    prepare_model_inputs(m, prepared_set(model_test_structures(), cfg.cutoff), Host{2});
    m.head_scale = {1.3, 0.7};
    m.head_ref = {-4.0, -3.5, -1.0, 0.5};
    return m;
}

// Energies (n_graphs, n_heads) of structures batched together.
template <class Model>
std::vector<double> model_energies(const Model& m, const std::vector<Structure>& s, int threads = 1) {
    typename Model::Forward fw;
    m.forward(Host{threads}, make_graph_batch(s, m.config.cutoff), fw);
    return fw.energies;
}

// ---- small Mo data for trainers and strategies ------------------------------------------------

// Strained, rattled bcc/fcc Mo pool items (at most 16 atoms) k = first .. first + n - 1.
inline std::vector<PoolItem> mo_pool_items(std::size_t n, std::uint64_t seed) {
    PoolConfig pc = default_pool_config("Mo");
    pc.prototypes = {"bcc", "fcc"};
    pc.max_atoms = 16;
    pc.seed = seed;
    std::vector<PoolItem> items;
    for (std::size_t k = 0; k < n; ++k) items.push_back(make_pool_item(pc, k));
    return items;
}

// Mo pool items labelled with the Girifalco–Weizer Morse potential.
inline Dataset morse_dataset(std::size_t n, std::uint64_t seed) {
    const MorsePotential pot = MorsePotential::named("GirifalcoWeizer_Mo_low");
    Dataset d;
    std::size_t k = 0;
    for (const PoolItem& item : mo_pool_items(n, seed)) {
        Sample s;
        s.structure = item.structure;
        const auto r = pot.compute(s.structure);
        s.energy = r.energy;
        // forces and stress (sigma = -W/V) too, for the force-training tests
        s.forces.assign(r.forces.begin(), r.forces.end());
        const double V = s.structure.cell.volume();
        for (double w : r.virial) s.stress.push_back(-w / V);
        s.source = str("morse sample ", k++);
        d.samples.push_back(std::move(s));
    }
    return d;
}

// Small-batch, single-thread training options writing under a fresh scratch directory.
inline TrainOptions small_train_options(const std::string& name, int epochs, double lr = 5e-3) {
    TrainOptions o;
    o.epochs = epochs;
    o.batch_size = 8;
    o.schedule.lr = lr;
    o.threads = 1;
    o.out = scratch_dir(name) / "model.ckpt";
    return o;
}

// Head 0 normalised on a set's energies.
template <class Model>
void normalize_on(Model& m, const PreparedSet& set) {
    std::vector<const Structure*> ptrs;
    for (const auto& s : set.structures) ptrs.push_back(&s);
    apply_normalization(m, fit_energy_normalization(ptrs, set.energies));
}

}  // namespace eipnn::test
