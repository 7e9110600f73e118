// The Host backend's loops: every index exactly once whatever the thread count and schedule;
// for_each_owned_two_phase keeps a granule's two phases on one thread and finishes phase 1 first;
// split_balanced; LargeVector's huge-page-aligned buffers; the backend interface (scans, reductions,
// GEMM, memory) through the body shared with the device test.
#include <atomic>
#include <cstdint>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/core/large_vector.hpp"
#include "support/backend_checks.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace eipnn;

namespace {

int thread_id() {
#if defined(_OPENMP)
    return omp_get_thread_num();
#else
    return 0;
#endif
}

// counts[i] = how often f visited i
template <class Loop>
std::vector<int> visits(index_t n, const Loop& loop) {
    std::vector<std::atomic<int>> counts(static_cast<std::size_t>(n));
    loop([&](index_t i) { counts[std::size_t(i)].fetch_add(1); });
    std::vector<int> out;
    for (auto& c : counts) out.push_back(c.load());
    return out;
}

}  // namespace

TEST_CASE("host loops: every index exactly once", "[host]") {
    for (const int threads : {1, 2, 3})
        for (const index_t n : {0, 1, 63, 64, 1000, 70000}) {
            const Host host{threads};
            CAPTURE(threads, n);
            const std::vector<int> once(std::size_t(n), 1);
            CHECK(visits(n, [&](auto f) { for_each(host, n, f); }) == once);
            CHECK(visits(n, [&](auto f) { for_each_dynamic(host, n, f); }) == once);
            CHECK(visits(n, [&](auto f) { for_each_task(host, n, f); }) == once);
        }
}

TEST_CASE("host loops: dynamic chunks are about 16 per thread, never below 16 indices", "[host]") {
    CHECK(dynamic_chunk(64000, 2) == 2000);
    CHECK(dynamic_chunk(100, 2) == 16);
    CHECK(dynamic_chunk(0, 8) == 16);
}

TEST_CASE("split_balanced: contiguous, granule-aligned ranges of about equal weight", "[host]") {
    const index_t n = 10000, granule = 128;
    std::vector<index_t> prefix(std::size_t(n) + 1, 0);  // weight of index i: 1 + (i % 7)
    for (index_t i = 0; i < n; ++i) prefix[std::size_t(i) + 1] = prefix[std::size_t(i)] + 1 + i % 7;
    const auto weight_before = [&](index_t i) { return prefix[std::size_t(i)]; };
    for (const int parts : {1, 2, 3, 5}) {
        const std::vector<index_t> b = split_balanced(n, weight_before, granule, parts);
        REQUIRE(b.size() == std::size_t(parts) + 1);
        CHECK(b.front() == 0);
        CHECK(b.back() == n);
        const double share = double(prefix.back()) / parts, granule_weight = 7.0 * granule;
        for (int t = 0; t < parts; ++t) {
            CHECK(b[std::size_t(t)] <= b[std::size_t(t) + 1]);
            if (t > 0) CHECK(b[std::size_t(t)] % granule == 0);
            const double w = double(prefix[std::size_t(b[std::size_t(t) + 1])] - prefix[std::size_t(b[std::size_t(t)])]);
            CHECK(std::abs(w - share) <= granule_weight);
        }
    }
}

TEST_CASE("for_each_owned_two_phase: phase 1 everywhere first, then each granule on the thread that ran it",
          "[host]") {
    const index_t granule = 128;
    for (const int threads : {1, 2, 3})
        for (const index_t n : {0, 1, 511, 512, 1000, 20000})
            for (const bool skewed : {false, true}) {
                CAPTURE(threads, n, skewed);
                // skewed: all the weight on the first indices, so the first range is one granule
                // and its thread runs out of work at once and steals from the others
                const auto prefix = [&](index_t i) { return skewed ? (i < 10 ? i * 100000 : 1000000 + i) : 2 * i; };
                std::vector<std::atomic<int>> phase1_count(static_cast<std::size_t>(n));
                std::vector<std::atomic<int>> phase2_count(static_cast<std::size_t>((n + granule - 1) / granule));
                std::vector<int> phase1_thread(std::size_t(n), -1);
                std::atomic<index_t> phase1_done{0};
                std::atomic<int> phase2_too_early{0}, phase2_elsewhere{0};
                for_each_owned_two_phase(
                    Host{threads}, n, prefix, granule,
                    [&](index_t i) {
                        phase1_count[std::size_t(i)].fetch_add(1);
                        phase1_thread[std::size_t(i)] = thread_id();
                        phase1_done.fetch_add(1);
                    },
                    [&](index_t g) {
                        phase2_count[std::size_t(g)].fetch_add(1);
                        if (phase1_done.load() != n) phase2_too_early.fetch_add(1);
                        const index_t end = std::min(n, (g + 1) * granule);
                        for (index_t i = g * granule; i < end; ++i)
                            if (phase1_thread[std::size_t(i)] != thread_id()) phase2_elsewhere.fetch_add(1);
                    });
                for (auto& c : phase1_count) CHECK(c.load() == 1);
                for (auto& c : phase2_count) CHECK(c.load() == 1);
                CHECK(phase2_too_early.load() == 0);
                CHECK(phase2_elsewhere.load() == 0);
            }
}

TEST_CASE("LargeVector: huge-page-aligned from 2 MiB on Linux, an ordinary vector otherwise", "[host]") {
    LargeVector<double> big(3 * (std::size_t(1) << 20) / sizeof(double) + 5);  // just over 3 MiB
    std::iota(big.begin(), big.end(), 0.0);
#if defined(__linux__)
    CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % kHugePageBytes == 0);
#endif
    const LargeVector<double> copy = big;
    CHECK(copy == big);
    big.resize(10);  // shrinking keeps the first elements
    CHECK(big[9] == 9.0);
    big.shrink_to_fit();  // now a small allocation, freed the other way
    CHECK(big.size() == 10);
    CHECK(big[9] == 9.0);
    LargeVector<int> small(100, 7);
    CHECK(small[99] == 7);
}

// The backend interface (core/backend.hpp) on the host; tests/cuda/test_cuda_backend.cu runs the
// same bodies on the device.
TEST_CASE("backend interface on the host: scans, reductions, GEMM, memory", "[host][backend]") {
    for (const int threads : {1, 3}) {
        const Host host{threads};
        CAPTURE(threads);
        test::check_backend_scans(host);
        test::check_backend_reductions(host);
        test::check_backend_gemm<Host, float>(host);
        test::check_backend_gemm<Host, double>(host);
        test::check_backend_memory(host);
    }
}
