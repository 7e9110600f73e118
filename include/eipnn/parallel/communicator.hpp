// The one place that talks to MPI. A Communicator is the group of processes that share a job:
// with MPI (EIPNN_HAVE_MPI defined and MPI initialised, parallel/mpi_session.hpp) it wraps
// MPI_COMM_WORLD; otherwise it is a single rank whose collectives return their input. Call
// sites (trainer, `eipnn label`) therefore carry no #ifdef: they ask `active()` when the
// distributed path must be taken and otherwise use the collectives as if N were 1.
//
// Only collectives whose result is exact whatever the number of ranks are offered: integer
// sums, maxima, gathers and broadcasts. A floating-point MPI_SUM would depend on N (the reduction
// tree changes with it), which would break "the same weights for any number of ranks".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"

#ifdef EIPNN_HAVE_MPI
// only MPI's C interface is used; its deprecated C++ bindings warn under -Wextra
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>
#endif

namespace eipnn {

class Communicator {
public:
    // MPI_COMM_WORLD when MPI is initialised (and not finalised), else the single-rank group.
    static Communicator world() {
        Communicator c;
#ifdef EIPNN_HAVE_MPI
        int init = 0, fin = 0;
        MPI_Initialized(&init);
        MPI_Finalized(&fin);
        if (init && !fin) {
            c.active_ = true;
            MPI_Comm_rank(MPI_COMM_WORLD, &c.rank_);
            MPI_Comm_size(MPI_COMM_WORLD, &c.size_);
        }
#endif
        return c;
    }

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool root() const { return rank_ == 0; }
    // true under a launcher (mpirun), even with one rank: the distributed code path is taken, so
    // that N = 1, 2, 3 ranks all run the same arithmetic.
    bool active() const { return active_; }

    void barrier() const {
#ifdef EIPNN_HAVE_MPI
        if (active_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
    }

    // In place: element-wise sum over ranks (integers: exact and independent of the order).
    void allreduce_sum(std::vector<std::int64_t>& v) const {
#ifdef EIPNN_HAVE_MPI
        if (active_ && size_ > 1)
            check(MPI_Allreduce(MPI_IN_PLACE, v.data(), int(v.size()), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
                  "MPI_Allreduce(sum)");
#else
        (void)v;
#endif
    }
    // In place: element-wise maximum over ranks (exact). NaN is not ordered: callers check finiteness first.
    void allreduce_max(std::vector<double>& v) const {
#ifdef EIPNN_HAVE_MPI
        if (active_ && size_ > 1)
            check(MPI_Allreduce(MPI_IN_PLACE, v.data(), int(v.size()), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
                  "MPI_Allreduce(max)");
#else
        (void)v;
#endif
    }
    // Logical OR of a flag over ranks (e.g. "some rank failed"), so that every rank takes the same branch.
    bool any(bool flag) const {
        std::vector<std::int64_t> v{flag ? 1 : 0};
        allreduce_sum(v);
        return v[0] != 0;
    }

    // Every rank's `local` concatenated in rank order, on every rank.
    std::vector<double> allgather(const std::vector<double>& local) const {
#ifdef EIPNN_HAVE_MPI
        if (active_ && size_ > 1) {
            const std::vector<int> counts = gather_counts(int(local.size()), true);
            const std::vector<int> displs = offsets(counts);
            std::vector<double> all(std::size_t(displs.back() + counts.back()));
            check(MPI_Allgatherv(local.data(), int(local.size()), MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                                 MPI_DOUBLE, MPI_COMM_WORLD),
                  "MPI_Allgatherv");
            return all;
        }
#endif
        return local;
    }

    // Every rank's string, in rank order, on rank 0 (empty vector elsewhere).
    std::vector<std::string> gather_strings(const std::string& local) const {
#ifdef EIPNN_HAVE_MPI
        if (active_ && size_ > 1) {
            const std::vector<int> counts = gather_counts(int(local.size()), false);
            std::vector<int> displs;
            std::string all;
            if (root()) {
                displs = offsets(counts);
                all.resize(std::size_t(displs.back() + counts.back()));
            }
            check(MPI_Gatherv(local.data(), int(local.size()), MPI_CHAR, all.data(), counts.data(), displs.data(),
                              MPI_CHAR, 0, MPI_COMM_WORLD),
                  "MPI_Gatherv");
            std::vector<std::string> out;
            if (root())
                for (int r = 0; r < size_; ++r) out.push_back(all.substr(std::size_t(displs[std::size_t(r)]),
                                                                         std::size_t(counts[std::size_t(r)])));
            return out;
        }
#endif
        return {local};
    }

    // Rank 0's string on every rank.
    void broadcast(std::string& s) const {
#ifdef EIPNN_HAVE_MPI
        if (active_ && size_ > 1) {
            long long n = (long long)s.size();
            check(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast(size)");
            s.resize(std::size_t(n));
            if (n > 0) check(MPI_Bcast(s.data(), int(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
        }
#else
        (void)s;
#endif
    }

    // Ends every rank of the job (after the caller printed why). Without MPI: returns, the caller exits.
    void abort(int code) const {
#ifdef EIPNN_HAVE_MPI
        if (active_) MPI_Abort(MPI_COMM_WORLD, code);
#else
        (void)code;
#endif
    }

private:
#ifdef EIPNN_HAVE_MPI
    // MPI's default handler aborts on error; this only matters if a user installed MPI_ERRORS_RETURN.
    void check(int rc, const char* call) const {
        if (rc != MPI_SUCCESS)
            throw Error(str(call, " failed with code ", rc), str("rank ", rank_, " of ", size_),
                        "check the MPI installation and the network between the ranks");
    }
    // Counts of every rank on every rank (all = true) or on rank 0 only.
    std::vector<int> gather_counts(int n, bool all) const {
        if (n < 0) throw Error("a message larger than 2^31 elements", str("rank ", rank_), "use smaller batches");
        std::vector<int> counts(std::size_t(size_), 0);
        if (all) check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
        else check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
        return counts;
    }
    static std::vector<int> offsets(const std::vector<int>& counts) {
        std::vector<int> d(counts.size(), 0);
        for (std::size_t r = 1; r < counts.size(); ++r) {
            const long long next = (long long)d[r - 1] + counts[r - 1];
            if (next > 2147483647LL) throw Error("a gathered message exceeds 2^31 elements", "Communicator", "use smaller batches");
            d[r] = int(next);
        }
        return d;
    }
#endif
    bool active_ = false;
    int rank_ = 0, size_ = 1;
};

}  // namespace eipnn
