// `eipnn`: the command-line face of the library. Each subcommand lives in its own cmd_*.hpp and
// registers itself here; errors from the library are printed as one clear line, exit code 1.
//
// Under mpirun (parallel/mpi_session.hpp) every rank runs this main. An error that every rank
// raises alike (a CollectiveError: bad flags, a labelling error found by rank 0 and broadcast) is
// printed once, by rank 0, and all ranks exit normally; any other error is this rank's alone (it
// could not read its data, its disk is full), so it is printed with the rank's number and the whole
// job is stopped with MPI_Abort, because the other ranks would otherwise wait for it forever.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/cmd_eval.hpp"
#include "cli/cmd_export_kim.hpp"
#include "cli/cmd_label.hpp"
#include "cli/cmd_pool.hpp"
#include "cli/cmd_reproduce.hpp"
#include "cli/cmd_train.hpp"
#include "eipnn/core/error.hpp"
#include "eipnn/parallel/collective_error.hpp"
#include "eipnn/parallel/communicator.hpp"
#include "eipnn/parallel/mpi_session.hpp"


namespace {

// Prints a failure; under MPI with several ranks, ends the job.
int fail(const eipnn::Communicator& comm, const char* what) {
    if (comm.active() && comm.size() > 1) {
        // one write, so that the lines of ranks failing at once do not interleave
        std::cerr << eipnn::str("eipnn: error on rank ", comm.rank(), " of ", comm.size(), ": ", what, "\n");
        std::cerr.flush();
        comm.abort(1);
    }
    std::cerr << "eipnn: error: " << what << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    eipnn::MpiSession mpi(&argc, &argv);
    const eipnn::Communicator comm = eipnn::Communicator::world();
    CLI::App app{"eipnn: empirical interatomic potentials and neural networks that learn from them"};
    app.require_subcommand(1);
    eipnn::cli::add_pool_command(app);
    eipnn::cli::add_train_command(app);
    eipnn::cli::add_eval_command(app);
    eipnn::cli::add_label_command(app);
    eipnn::cli::add_reproduce_command(app);
    eipnn::cli::add_export_kim_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // the same flags on every rank: one message (or help text) is enough
        if (!comm.root()) return e.get_exit_code();
        return app.exit(e);
    } catch (const eipnn::CollectiveError& e) {
        if (comm.root()) std::cerr << "eipnn: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        return fail(comm, e.what());
    }
    return 0;
}
