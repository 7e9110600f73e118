// Which ranks handle which units (configurations) of a batch: contiguous runs, in batch order, of
// about equal cost (atoms + edges, the work of a forward and backward). Contiguous runs make
// "gather in rank order" the same as "gather in batch order". The split only decides who computes
// what; results never depend on it (parallel/exact_sum.hpp).
#pragma once
#include <cstddef>
#include <vector>

namespace eipnn {

// Unit u goes to the rank whose share of the total cost holds the middle of u's cost interval.
// Returns N+1 boundaries: rank r handles units [begin[r], begin[r+1]).
inline std::vector<std::size_t> partition_by_cost(const std::vector<double>& cost, int n_ranks) {
    const std::size_t U = cost.size(), N = std::size_t(n_ranks < 1 ? 1 : n_ranks);
    double total = 0;
    for (double c : cost) total += c;
    std::vector<std::size_t> begin(N + 1, U);
    begin[0] = 0;
    double before = 0;
    std::size_t r = 0;
    for (std::size_t u = 0; u < U; ++u) {
        const double mid = before + 0.5 * cost[u];
        // the first rank whose share [r T/N, (r+1) T/N) holds mid
        while (r + 1 < N && mid >= total * double(r + 1) / double(N)) begin[++r] = u;
        before += cost[u];
    }
    for (std::size_t q = r + 1; q <= N; ++q) begin[q] = U;
    return begin;
}

}  // namespace eipnn
