// Determinism across thread counts (DESIGN.md: no atomics, fixed reduction orders, "identical for
// 1 and N threads"): training both models in float and double, and labelling configurations with
// EIPs, give the same bits for 1, 2 and 3 threads and when a run is repeated. Three threads on a
// two-core machine still make three OpenMP threads, so every split of the work differs from the
// others; the repeated run catches races, which a different thread count alone might not.
// Each run also places its heap blocks at another offset from a 64-byte boundary
// (support/shifted_heap.hpp): a result that depends on where a buffer lies (a vectorised loop's
// scalar head) differs between runs of the tool with several threads, whose heap layout varies.
// That shows only with wide packets, so these tests also run built with -march=native
// (tests.cmake: " [native]").
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>

#include "eipnn/eip/registry.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/pool.hpp"
#include "eipnn/train/strategies/eip_labels.hpp"
#include "support/model_fixtures.hpp"
#include "support/shifted_heap.hpp"

using namespace eipnn;

namespace {

// Everything a training run leaves behind that must not depend on the thread count.
template <class T>
struct RunOutcome {
    std::vector<T> params;                  // the trained flat parameter buffer
    std::vector<T> initial;                 // the buffer before training (to prove it moved)
    std::vector<std::vector<double>> log;   // per epoch: loss, metrics, lr (not the seconds)
    std::vector<std::string> csv_rows;      // the CSV log without its timing column
};

// The CSV's rows with the last field (wall-clock seconds, which legitimately varies) cut off.
std::vector<std::string> csv_without_seconds(const std::filesystem::path& path) {
    std::ifstream f(path);
    std::vector<std::string> rows;
    for (std::string line; std::getline(f, line);) rows.push_back(line.substr(0, line.rfind(',')));
    return rows;
}

template <class Model>
RunOutcome<typename Model::Scalar> train_with_threads(const PreparedSet& train, const PreparedSet& valid, int threads,
                                                      bool on_forces, const std::string& name) {
    Model m(test::ModelFixture<Model>::mo_config(), 7);
    // input fitting (SOAPNet's descriptor standardisation) is part of every run, so it runs on the
    // same thread count as the training
    prepare_model_inputs(m, train, Host{threads});
    test::normalize_on(m, train);
    RunOutcome<typename Model::Scalar> out;
    out.initial = m.params.data;
    TrainOptions o = test::small_train_options(name, 3);
    o.threads = threads;
    o.batch_size = 12;  // larger batches, so the edge loops and GEMM row blocks really split
    if (on_forces) o.loss = {1.0, 1.0, 0.0};  // the second-order (force-training) backward
    ModelTrainer<Model> trainer(m, train, valid, o);
    const TrainResult r = trainer.run();
    out.params = m.params.data;
    for (const EpochRecord& e : r.log)
        out.log.push_back({e.train_loss, e.valid_metric, e.valid_mae_meV_per_atom, e.valid_rmse_meV_per_atom,
                           e.valid_mae_eV_per_config, e.lr});
    out.csv_rows = csv_without_seconds(trainer.csv_path());
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("training on energies and on forces is bit-identical for 1, 2 and 3 threads and when repeated", "[train][determinism]",
                   SchNet<float>, SchNet<double>, SoapNet<float>, SoapNet<double>) {
    using Model = TestType;
    const double cutoff = test::ModelFixture<Model>::mo_config().cutoff;
    const PreparedSet train = prepare(test::morse_dataset(24, 1), cutoff);
    const PreparedSet valid = prepare(test::morse_dataset(8, 2), cutoff);
    const bool on_forces = GENERATE(false, true);
    const std::string kind = str(Model::kind, sizeof(typename Model::Scalar) == 4 ? "_float" : "_double",
                                 on_forces ? "_forces" : "");

    const auto reference = train_with_threads<Model>(train, valid, 1, on_forces, "determinism_" + kind + "_1");
    REQUIRE(reference.log.size() == 3);
    REQUIRE(reference.csv_rows.size() == 4);  // header and three epochs
    REQUIRE(reference.params != reference.initial);  // it trained: equal buffers would prove nothing
    // 1, 2, 3 threads, then 1, 2, 3 again: a race would show as a difference between repeats
    for (int repeat = 0; repeat < 2; ++repeat)
        for (int threads : {1, 2, 3}) {
            if (repeat == 0 && threads == 1) continue;  // that is the reference
            const std::size_t shift = 16 * std::size_t(3 * repeat + threads);
            INFO(kind << ", " << threads << " threads, run " << repeat + 1 << ", heap shift " << shift % 64);
            const test::HeapShift heap(shift);
            const auto run =
                train_with_threads<Model>(train, valid, threads, on_forces, str("determinism_", kind, "_", threads, "_", repeat));
            CHECK(run.params == reference.params);
            CHECK(run.log == reference.log);
            CHECK(run.csv_rows == reference.csv_rows);
        }
}

namespace {

// SW, Tersoff and EDIP for Si: three styles, three kernels (pair + triplet, bond order, EDIP's
// coordination), from the LAMMPS potential files.
std::vector<NamedPotential> si_eips() {
    std::vector<NamedPotential> pool;
    for (const char* spec : {"SW=sw:Si.sw", "T2=tersoff:Si.tersoff", "EDIP=edip:Si.edip"}) {
        const PotentialSpec p = parse_potential_spec(spec);
        pool.push_back({p.name, std::shared_ptr<const Potential>(make_potential(p))});
    }
    return pool;
}

// The bits of a double, so that a NaN label (an EIP that failed) compares equal to itself.
std::vector<std::uint64_t> bits(const std::vector<double>& v) {
    std::vector<std::uint64_t> b(v.size());
    std::memcpy(b.data(), v.data(), v.size() * sizeof(double));
    return b;
}

}  // namespace

TEST_CASE("EIP labels of pool structures are bit-identical for 1, 2 and 3 threads", "[strategies][determinism]") {
    const auto pool = si_eips();
    PoolConfig pc = default_pool_config("Si");
    pc.max_atoms = 32;
    std::vector<Structure> structures;
    for (std::uint64_t k = 0; k < 8; ++k) structures.push_back(make_pool_item(pc, k).structure);

    EipLabelReport report1;
    const EipEnergies reference = label_with_eips(pool, structures, Host{1}, &report1);
    REQUIRE(reference.energies.size() == structures.size() * pool.size());
    // every label a number: a set of NaNs would be "identical" without anything computed
    REQUIRE(report1.failures == std::vector<std::size_t>(pool.size(), 0));
    for (double e : reference.energies) REQUIRE(std::isfinite(e));
    for (int threads : {2, 3, 1, 2, 3}) {
        INFO(threads << " threads");
        const test::HeapShift heap(16 * std::size_t(threads));
        EipLabelReport report;
        const EipEnergies e = label_with_eips(pool, structures, Host{threads}, &report);
        CHECK(e.names == reference.names);
        CHECK(e.n_atoms == reference.n_atoms);
        CHECK(bits(e.energies) == bits(reference.energies));
        CHECK(report.failures == report1.failures);
    }
}

// label_with_eips runs each configuration on one thread; a single large configuration is where an
// EIP's own kernel splits its atoms and edges over the threads (600 atoms: above the backend's
// thresholds for dynamic and owned two-phase loops).
TEST_CASE("EIP energies, forces and virials of one large cell are bit-identical for 1, 2 and 3 threads",
          "[eip][determinism]") {
    Structure s = test::diamond(5.43, 5, 5, 3);
    test::rattle(s, 0.1, 17);
    REQUIRE(s.size() == 600);
    for (const NamedPotential& p : si_eips()) {
        INFO(p.name);
        const NeighborList nl = build_neighbor_list(s, p.potential->cutoff());
        EipResult<double> reference;
        p.potential->compute(s, nl, Host{1}, reference);
        REQUIRE(std::isfinite(reference.energy));
        REQUIRE(reference.forces.size() == 3 * std::size_t(s.size()));
        for (int threads : {2, 3, 1, 2, 3}) {
            INFO(threads << " threads");
            const test::HeapShift heap(16 * std::size_t(threads));
            EipResult<double> r;
            p.potential->compute(s, nl, Host{threads}, r);
            CHECK(r.energy == reference.energy);
            CHECK(r.atom_energies == reference.atom_energies);
            CHECK(r.forces == reference.forces);
            CHECK(r.virial == reference.virial);
        }
    }
}
