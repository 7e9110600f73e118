// MPI_Init / MPI_Finalize for a program's main(), as one object. MPI is started only when the
// program was started by a launcher (mpirun / mpiexec / srun set one of the variables below), so
// a plain `eipnn train ...` never touches MPI: it keeps today's single-process path and its
// results bit for bit, starts as fast as before, and works where MPI cannot start (no network,
// a container without the Open MPI runtime). Without EIPNN_HAVE_MPI this is an empty object.
#pragma once
#include <cstdlib>
#include <initializer_list>

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

// true when a process manager started us as one rank of a job
inline bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
        if (std::getenv(v)) return true;
    return false;
}

class MpiSession {
public:
    MpiSession(int* argc, char*** argv) {
#ifdef EIPNN_HAVE_MPI
        if (launched_by_mpi()) {
            // FUNNELED: each rank runs OpenMP threads, only the main thread calls MPI
            int provided = 0;
            MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
            started_ = true;
        }
#else
        (void)argc;
        (void)argv;
#endif
    }
    ~MpiSession() {
#ifdef EIPNN_HAVE_MPI
        int fin = 0;
        MPI_Finalized(&fin);
        if (started_ && !fin) MPI_Finalize();
#endif
    }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

private:
    bool started_ = false;
};

}  // namespace eipnn
