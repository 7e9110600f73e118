// The pieces of MPI data parallelism that need no MPI (include/eipnn/parallel/), on one rank:
// the exact unit sum does not depend on the order or grouping of its units (what makes the
// weights the same for any number of ranks), the partition covers a batch in contiguous balanced
// runs, the record gather keeps item order, a sharded set gathers a batch's configurations
// intact (also from its subsets, appended items and frames selected in any order), and the distributed step computes the gradient of the whole batch's loss (the
// single-process step's, to rounding) for energies and for forces, from a set held whole or as
// shares, with validation errors equal to the single-process ones.
#include <catch2/catch.hpp>

#include <random>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/parallel/distributed_errors.hpp"
#include "eipnn/parallel/distributed_step.hpp"
#include "eipnn/parallel/ordered_records.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;

namespace {

// The exact sum of `units` added in `order`, on one rank.
template <class T>
std::vector<T> exact_sum_in(const std::vector<std::vector<T>>& units,
                            const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                            const std::vector<std::size_t>& order) {
    ExactUnitSum<T> s(units.at(0).size(), ranges);
    for (std::size_t k : order) s.add_unit(units[k]);
    std::vector<T> out;
    REQUIRE(s.reduce(Communicator{}, units.size(), out));
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("the exact unit sum is independent of the order of its units", "[parallel]", float, double) {
    using T = TestType;
    const std::size_t n = 40, U = 13;
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<std::vector<T>> units(U, std::vector<T>(n));
    for (std::size_t k = 0; k < U; ++k)
        for (std::size_t i = 0; i < n; ++i) units[k][i] = T(u(rng) * std::pow(10.0, double(i % 7) - 3));  // mixed scales
    const std::vector<std::pair<std::size_t, std::size_t>> ranges{{0, 16}, {16, 37}};  // 37..39: padding
    auto sum_in = [&](const std::vector<std::size_t>& order) { return exact_sum_in(units, ranges, order); };
    std::vector<std::size_t> order(U);
    std::iota(order.begin(), order.end(), std::size_t(0));
    const std::vector<T> forward = sum_in(order);
    std::shuffle(order.begin(), order.end(), rng);
    CHECK(sum_in(order) == forward);  // bit for bit
    std::reverse(order.begin(), order.end());
    CHECK(sum_in(order) == forward);
    for (std::size_t i = 0; i < n; ++i) {
        long double exact = 0;
        for (std::size_t k = 0; k < U; ++k) exact += (long double)units[k][i];
        if (i >= 37) {
            CHECK(forward[i] == T(0));  // outside every range
            continue;
        }
        // Within the final rounding to T plus the quantisation: each unit is truncated to a multiple
        // of 2^-s with 2^s = 2^(62-k) / 2^e, max|g| of the range < 2^e <= 2 max, U <= 2^k
        // (exact_sum.hpp), so less than U times 2^-s <= max 2^(k-61) in all; k = 4 here.
        const auto& range = i < 16 ? ranges[0] : ranges[1];
        double max = 0;
        for (std::size_t k = 0; k < U; ++k)
            for (std::size_t j = range.first; j < range.second; ++j) max = std::max(max, std::abs(double(units[k][j])));
        const double tol = std::abs(double(exact)) * double(std::numeric_limits<T>::epsilon()) + double(U) * max * std::ldexp(1.0, -57);
        CHECK(std::abs(double(forward[i]) - double(exact)) <= tol);
    }
    // a non-finite unit makes the whole sum NaN (the trainer stops on it)
    ExactUnitSum<T> bad(n, ranges);
    std::vector<T> nan_unit(n, T(0));
    nan_unit[3] = std::numeric_limits<T>::infinity();
    bad.add_unit(nan_unit);
    std::vector<T> out;
    CHECK_FALSE(bad.reduce(Communicator{}, 1, out));
    CHECK(std::isnan(double(out[0])));
}

// A range whose largest gradient is tiny needs a scale 2^s beyond double's range (s > 1023): the
// sum takes its exact per-element path there, with the same result for any order of the units.
TEST_CASE("the exact unit sum keeps gradients near the bottom of double's range", "[parallel]") {
    const std::size_t n = 24, U = 5;
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<std::vector<double>> units(U, std::vector<double>(n));
    for (auto& unit : units)
        for (std::size_t i = 0; i < n; ++i) unit[i] = u(rng) * (i < 12 ? 1e-300 : 1.0);
    const std::vector<std::pair<std::size_t, std::size_t>> ranges{{0, 12}, {12, 24}};
    const std::vector<double> forward = exact_sum_in(units, ranges, {0, 1, 2, 3, 4});
    CHECK(exact_sum_in(units, ranges, {4, 2, 0, 3, 1}) == forward);
    for (std::size_t i = 0; i < n; ++i) {
        double exact = 0, magnitude = 0, max = 0;
        for (std::size_t k = 0; k < U; ++k) exact += units[k][i], magnitude += std::abs(units[k][i]);
        for (std::size_t k = 0; k < U; ++k)
            for (std::size_t j = (i < 12 ? 0 : 12); j < (i < 12 ? 12 : 24); ++j) max = std::max(max, std::abs(units[k][j]));
        INFO("element " << i);
        REQUIRE(forward[i] != 0);  // not flushed to zero
        // the reference's own rounding (U - 1 additions) and the final one, plus U truncations below
        // 2^-s <= max 2^(k-61) with k = 3
        CHECK(std::abs(forward[i] - exact) <= double(U) * magnitude * std::numeric_limits<double>::epsilon() +
                                                  double(U) * max * std::ldexp(1.0, -58));
    }
}

TEST_CASE("the partition gives contiguous runs of about equal cost", "[parallel]") {
    const std::vector<double> cost{5, 1, 1, 1, 8, 2, 2, 3, 1, 6};  // total 30
    for (int N = 1; N <= 12; ++N) {
        const std::vector<std::size_t> b = partition_by_cost(cost, N);
        REQUIRE(b.size() == std::size_t(N) + 1);
        CHECK(b.front() == 0);
        CHECK(b.back() == cost.size());
        for (int r = 0; r < N; ++r) CHECK(b[std::size_t(r)] <= b[std::size_t(r) + 1]);
    }
    const std::vector<std::size_t> two = partition_by_cost(cost, 2);
    CHECK(two[1] == 5);  // 5+1+1+1+8 = 16 | 14
    CHECK(partition_by_cost({}, 3) == std::vector<std::size_t>{0, 0, 0, 0});
}

TEST_CASE("records round-trip and come back in item order on one rank", "[parallel]") {
    const std::vector<Record> recs{{'w', "frame\n0"}, {'s', ""}, {'e', std::string("a\0b", 3)}};
    const std::vector<Record> back = unpack_records(pack_records(recs), "test");
    REQUIRE(back.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(back[k].kind == recs[k].kind);
        CHECK(back[k].text == recs[k].text);
    }
    CHECK_THROWS_AS(unpack_records(pack_records(recs).substr(0, 12), "test"), Error);
    CHECK(gather_in_order(Communicator{}, recs, 0, 3).size() == 3);
}

namespace {

// A one-rank ShardedSet holding every configuration of d, prepared at `cutoff` (the sharded path's
// packing, gathering and unpacking all run on one rank too).
ShardedSet hold_all(const Dataset& d, double cutoff, const Host& host) {
    std::vector<ConfigInfo> info;
    std::vector<std::size_t> at;
    for (const Sample& s : d.samples) {
        at.push_back(info.size());
        info.push_back(config_info(s, 0));
    }
    return ShardedSet::from_shares(info, d, at, cutoff, Communicator{}, host);
}

}  // namespace

TEST_CASE("a sharded set gathers a batch, with neighbour lists for the units asked for only", "[parallel]") {
    const Dataset d = eipnn::test::morse_dataset(5, 3);
    const double cutoff = 4.0;
    const Host host{1};
    const PreparedSet set = prepare(d, cutoff, host);
    const ShardedSet sharded = hold_all(d, cutoff, host);
    const ShardedSet replicated = ShardedSet::replicated(set, Communicator{});
    for (std::size_t i = 0; i < set.size(); ++i) {
        CHECK(sharded.info[i].n_edges == index_t(set.lists[i].centers.size()));
        CHECK(replicated.info[i].n_edges == sharded.info[i].n_edges);
        CHECK(sharded.info[i].numbers == set.structures[i].numbers);
        CHECK(sharded.info[i].has_stress);
    }
    const std::vector<std::size_t> items{3, 0, 4};
    for (const ShardedSet* source : {&sharded, &replicated}) {
        const PreparedSet b = source->gather(items, 1, 2, host);
        REQUIRE(b.size() == items.size());
        for (std::size_t k = 0; k < items.size(); ++k) {
            const std::size_t i = items[k];
            CHECK(b.structures[k].positions == set.structures[i].positions);
            CHECK(b.structures[k].numbers == set.structures[i].numbers);
            CHECK(b.structures[k].cell.lattice == set.structures[i].cell.lattice);
            CHECK(b.structures[k].cell.pbc == set.structures[i].cell.pbc);
            CHECK(b.structures[k].cell.has_lattice == set.structures[i].cell.has_lattice);
            CHECK(b.energies[k] == set.energies[i]);
            CHECK(b.forces[k] == set.forces[i]);
            CHECK(b.stress[k] == set.stress[i]);
            CHECK(b.sources[k] == set.sources[i]);
            CHECK(b.lists[k].n_atoms() == set.structures[i].size());
            if (k == 1) {  // asked for: the prepared list, bit for bit
                CHECK(b.lists[k].centers == set.lists[i].centers);
                CHECK(b.lists[k].neighbors == set.lists[i].neighbors);
                CHECK(b.lists[k].vectors == set.lists[i].vectors);
            } else {
                CHECK(b.lists[k].n_edges() == 0);
            }
        }
    }
}

TEST_CASE("a sharded set's subsets and appended items are the configurations they name", "[parallel]") {
    const Dataset d = eipnn::test::morse_dataset(6, 3);
    const double cutoff = 4.0;
    const Host host{1};
    const PreparedSet set = prepare(d, cutoff, host);
    const ShardedSet sharded = hold_all(d, cutoff, host);
    // subset in any order, then a configuration of another set appended with a weak label
    ShardedSet sub = sharded.subset({4, 1, 2});
    const std::vector<double> weak_forces(3 * std::size_t(set.structures[5].size()), 0.25);
    sub.append(sharded, 5, -7.5, "weak", true, weak_forces);
    REQUIRE(sub.size() == 4);
    const PreparedSet b = sub.gather({0, 1, 2, 3}, 0, 4, host);
    const std::vector<std::size_t> from{4, 1, 2, 5};
    for (std::size_t k = 0; k < from.size(); ++k) {
        CHECK(b.structures[k].positions == set.structures[from[k]].positions);
        CHECK(b.lists[k].neighbors == set.lists[from[k]].neighbors);
        CHECK(sub.info[k].numbers == set.structures[from[k]].numbers);
        CHECK(energy_label(sub, k) == (k < 3 ? set.energies[from[k]] : -7.5));
    }
    CHECK(b.forces[0] == set.forces[4]);
    CHECK(b.forces[3] == weak_forces);
    CHECK(b.stress[3].empty());
    CHECK(b.config_types[3] == "weak");
    CHECK(sub.info[3].has_forces);
    CHECK_FALSE(sub.info[3].has_stress);
    // per-configuration results come back in set order
    const std::vector<double> n_atoms = sub.map_owned(1, [&](std::size_t, std::size_t h, std::vector<double>& out) {
        out.push_back(double(sub.held().structures[h].size()));
    });
    for (std::size_t k = 0; k < from.size(); ++k) CHECK(n_atoms[k] == double(set.structures[from[k]].size()));
    // a file's frames selected in shuffled order keep that order
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "eipnn_sharded_select.extxyz";
    std::vector<Frame> frames_out;
    for (const Sample& sample : d.samples) {
        Frame f;
        f.structure = sample.structure;
        f.info.push_back({"energy", InfoValue::real(sample.energy)});
        frames_out.push_back(std::move(f));
    }
    write_extxyz(file, frames_out);
    const ShardedData data = ShardedData::read(file, Communicator{});
    const ShardedSet picked = data.select({3, 0, 5}, cutoff, Communicator{}, host);
    std::filesystem::remove(file);
    const std::vector<std::size_t> frames{3, 0, 5};
    for (std::size_t k = 0; k < frames.size(); ++k) {
        CHECK(picked.held().structures[picked.held_index(k)].positions == set.structures[frames[k]].positions);
        CHECK(energy_label(picked, k) == set.energies[frames[k]]);
    }
}

TEMPLATE_TEST_CASE("the distributed step computes the whole batch's gradient", "[parallel]", SchNet<double>,
                   SoapNet<double>) {
    using Fixture = eipnn::test::ModelFixture<TestType>;
    const TestType m = eipnn::test::small_model<TestType>(Fixture::small_config());
    Dataset d = eipnn::test::morse_dataset(5, 3);
    for (Sample& s : d.samples)
        for (int& z : s.structure.numbers) z = 14;
    d.samples[1].structure.numbers[0] = 32;
    const Host host{1};
    const PreparedSet set = prepare(d, m.config.cutoff);
    const ShardedSet sharded = hold_all(d, m.config.cutoff, host);
    const ShardedSet replicated = ShardedSet::replicated(set, Communicator{});
    const bool held_as_shares = GENERATE(false, true);
    const ShardedSet& source = held_as_shares ? sharded : replicated;
    const std::vector<std::size_t> items{3, 0, 4, 1};
    // one rank: the same arithmetic as any N (units, exact sum), against one batch's forward/backward
    DistributedStep<TestType> dist(Communicator{});
    auto close = [](const std::vector<double>& a, const std::vector<double>& b) {
        double scale = 0, err = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            scale = std::max(scale, std::abs(b[i]));
            err = std::max(err, std::abs(a[i] - b[i]));
        }
        return err <= 1e-12 * scale;
    };
    SECTION("energies") {
        const BatchLoss loss = energy_mse_loss(m, set);
        ParameterBuffer<double> g_dist(m.layout), g_one(m.layout);
        const double l_dist = dist.energy(host, m, source, items, loss, g_dist);
        typename TestType::Forward fw;
        std::vector<double> dL_dE;
        const GraphBatch batch = set.batch(items);
        m.forward(host, batch, fw);
        const double l_one = loss(items, fw.energies, dL_dE);
        m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &g_one, nullptr);
        CHECK(l_dist == Approx(l_one).epsilon(1e-13));
        CHECK(close(g_dist.data, g_one.data));
    }
    SECTION("energies, forces and stresses") {
        const BatchLabels labels = batch_labels(set, items, true, true);
        const LossWeights w{1.0, 0.7, 3e3};
        ParameterBuffer<double> g_dist(m.layout), g_one(m.layout);
        const LossTerms t_dist = dist.forces(host, m, source, items, w, g_dist);
        EnergyForceStep<TestType> step;
        const LossTerms t_one = step(host, m, set.batch(items), labels, w, g_one);
        CHECK(t_dist.total() == Approx(t_one.total()).epsilon(1e-13));
        CHECK(t_dist.forces > 0);
        CHECK(close(g_dist.data, g_one.data));
    }
    SECTION("validation errors equal those of the single-process predictions, one configuration at a time") {
        const std::vector<ConfigErrors> e = distributed_errors(m, source, host, false);
        const std::vector<double> p = predict_energies(m, set, host, 1);
        const std::vector<ConfigErrors> ef = distributed_errors(m, source, host, true);
        const EnergyForcePredictions q = predict_energy_forces(m, set, host, 1);
        REQUIRE(e.size() == set.size());
        REQUIRE(ef.size() == set.size());
        for (std::size_t i = 0; i < set.size(); ++i) {
            CHECK(e[i].energy == p[i] - set.energies[i]);
            CHECK(e[i].n_force == 0);
            const ConfigErrors want = config_errors(set, i, q.energies[i], q.forces[i], &q.stress[i]);
            std::vector<double> got_packed, want_packed;
            ef[i].pack(got_packed);
            want.pack(want_packed);
            CHECK(got_packed == want_packed);
            CHECK(ef[i].n_force == double(3 * set.structures[i].size()));
            CHECK(ef[i].n_stress == 1);
        }
    }
}
