// The per-phase profile (core/phase_profile.hpp) that bench/compare schnet prints: phase times are
// exclusive and add up with "other" to the recorded time, leaf phases mute the scopes inside
// them, nothing is recorded without a recording, and a SchNet forward counts exactly the
// operations of its atom-layer GEMMs.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <thread>

#include "eipnn/core/phase_profile.hpp"
#include "eipnn/nn/schnet.hpp"
#include "support/model_fixtures.hpp"

using namespace eipnn;

namespace {

const PhaseProfile::Phase* find_phase(const PhaseProfile& p, const char* name) {
    for (const PhaseProfile::Phase& ph : p.phases())
        if (std::strcmp(ph.name, name) == 0) return &ph;
    return nullptr;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("phase times are exclusive and add up to the recorded time", "[profile]") {
    PhaseProfile profile;
    {
        const PhaseProfile::Recording recording(profile);
        sleep_ms(5);  // other
        const PhaseScope outer("outer", 7);
        sleep_ms(20);
        {
            const PhaseScope inner("inner", 3);
            sleep_ms(10);
        }
        {
            const PhaseScope inner_again("inner", 3);
        }
    }
    const PhaseProfile::Phase *outer = find_phase(profile, "outer"), *inner = find_phase(profile, "inner");
    REQUIRE(outer);
    REQUIRE(inner);
    CHECK(outer->calls == 1);
    CHECK(inner->calls == 2);
    CHECK(inner->flops == 6);
    CHECK(outer->seconds >= 0.020);
    CHECK(inner->seconds >= 0.010);
    CHECK(profile.other_seconds() >= 0.005);
    // inclusive times would count inner's 10 ms twice and exceed the total
    CHECK(outer->seconds + inner->seconds + profile.other_seconds() == Approx(profile.total_seconds()).epsilon(1e-12));
}

TEST_CASE("a leaf phase mutes the scopes inside it, and nothing records without a recording", "[profile]") {
    {
        const PhaseScope unrecorded("unrecorded");  // no profile: no effect
    }
    PhaseProfile profile;
    {
        const PhaseProfile::Recording recording(profile);
        const PhaseScope leaf("leaf", 0, true);
        const PhaseScope muted("muted");
        const PhaseScope muted_deeper("muted deeper");
        sleep_ms(2);
    }
    REQUIRE(profile.phases().size() == 1);
    CHECK(std::strcmp(profile.phases()[0].name, "leaf") == 0);
    CHECK(profile.phases()[0].seconds >= 0.002);
    CHECK(PhaseProfile::active() == nullptr);  // the recording ended
}

TEST_CASE("a SchNet forward counts the operations of its atom-layer GEMMs", "[profile]") {
    using test::ModelFixture;
    const SchNetConfig cfg = ModelFixture<SchNet<double>>::small_config();
    const SchNet<double> m = test::small_model<SchNet<double>>(cfg);
    const GraphBatch batch = make_graph_batch(test::model_test_structures(), cfg.cutoff);
    SchNetForward<double> fw;
    PhaseProfile profile;
    {
        const PhaseProfile::Recording recording(profile);
        m.forward(Host{2}, batch, fw);
    }
    const double n = batch.n_atoms(), F = cfg.n_features, H = cfg.head_hidden;
    // per block in, out1, out2 (n x F x F); per head n x F x H and n x H x 1
    const double expected = cfg.n_interactions * 3 * 2 * n * F * F + cfg.n_heads * (2 * n * F * H + 2 * n * H);
    const PhaseProfile::Phase* gemm = find_phase(profile, "atom-layer GEMMs");
    REQUIRE(gemm);
    CHECK(gemm->flops == expected);
    for (const char* name : {"filter network (pair tiles)", "conv gather", "activations", "Gaussian windows",
                             "pair geometry and edge gradients", "embedding and heads (elementwise)"})
        CHECK(find_phase(profile, name));
    // the filter network's own activations run inside its leaf phase
    const PhaseProfile::Phase* act = find_phase(profile, "activations");
    REQUIRE(act);
    CHECK(act->calls == cfg.n_interactions + cfg.n_heads);
}
