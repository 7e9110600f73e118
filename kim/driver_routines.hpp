// The KIM API routines of the eipnn model driver: create (from the parameter file, an eipnn
// checkpoint), compute-arguments create/destroy, compute, refresh, write-parameterized-model,
// destroy. The driver publishes the per-species reference energies (driver_parameters.hpp);
// Refresh takes up the values a simulator set (tests/kim/kim_refresh.py).
//
// Compute: KIM hands over particles, each contributing (its energy counts here) or not (a ghost:
// an image or a neighbour domain's atom), and full neighbour lists. Particles are reordered
// contributing-first into a two-graph batch (graph 0 contributing, graph 1 ghosts, explicit
// positions, no cell) and the model gives graph 0's energy and its gradient with respect to every
// particle (nn/contributing_energy.hpp). Forces on ghosts go back to KIM, which adds them to the
// atoms they stand for. Units are the model's own, Å and eV (LAMMPS' metal).
//
// Virial: KIM's is V = sum_pairs dE/dr (r (x) r)/r = -W (W in eipnn's sign, nn/energy_forces.hpp),
// six components in KIM's order xx yy zz yz xz xy. The particle virial is -W_k of k's outgoing
// edges (KIM asks only that the particles' virials add up to V).
//
// Errors (a parameter file that is not an eipnn checkpoint, a species code the model lacks, two
// atoms on top of each other, a reference energy that is not finite) are logged to kim.log and
// stderr and returned to the simulator, which stops (LAMMPS: error->all); tests/kim/kim_bad_input.py
// and kim_refresh.py run each through LAMMPS. A failed compute on one of several MPI ranks ends
// the process instead (see compute below).
#pragma once
#include <KIM_ModelDriverHeaders.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "driver_model.hpp"
#include "driver_parameters.hpp"
#include "phase_timer.hpp"
#include "eipnn/geometry/elements.hpp"

namespace eipnn::kim {

// What one driver instance (one portable model) keeps between calls.
struct Driver {
    Checkpoint checkpoint;          // the parameter file as read, for WriteParameterizedModel (its
                                    // size once more per process: the weights, small beside the graph)
    std::unique_ptr<DriverModel> model;
    double influence_distance = 0;  // hops x cutoff, Å
    double list_cutoff = 0;         // the one neighbour list's cutoff: the model's, Å
    int no_ghost_lists = 0;         // modelWillNotRequestNeighborsOfNoncontributingParticles
    PublishedParameters parameters; // what a simulator may change; the model holds the values in use
    // reused every call
    std::vector<int> slot;          // (n_particles) the particle's atom index in the batch
    std::vector<int> particle_of;   // (n_particles) the batch atom's KIM particle
    std::vector<double> positions;
    std::vector<int> numbers;
    ContributingEnergy<double> out;
    PhaseTimer timer;               // EIPNN_KIM_TIMING: per-phase times, printed at destroy
};

inline const char* kDriverFile = "eipnn KIM driver";

// The KIM API writes log entries only to kim.log; the simulator then says no more than "Unable to
// load KIM Simulator Model" or "KIM Compute returned error" (LAMMPS). So an error goes to stderr
// too, where it lands beside the simulator's own message (every MPI rank that hits it prints it).
template <class Logger>
void log_error(const Logger* logger, const std::string& message, int line) {
    logger->LogEntry(KIM::LOG_VERBOSITY::error, message, line, kDriverFile);
    std::fprintf(stderr, "ERROR from the %s: %s\n", kDriverFile, message.c_str());
    std::fflush(stderr);
}

// ---- compute --------------------------------------------------------------------------------

inline int compute_or_fail(const KIM::ModelCompute* const modelCompute, const KIM::ModelComputeArguments* const args) {
    Driver* d = nullptr;
    modelCompute->GetModelBufferPointer(reinterpret_cast<void**>(&d));
    d->timer.start();
    const int* n_ptr = nullptr;
    const int* codes = nullptr;
    const int* contributing = nullptr;
    const double* x = nullptr;
    double* energy = nullptr;
    double* particle_energy = nullptr;
    double* forces = nullptr;
    double* virial = nullptr;
    double* particle_virial = nullptr;
    namespace N = KIM::COMPUTE_ARGUMENT_NAME;
    if (args->GetArgumentPointer(N::numberOfParticles, &n_ptr) || args->GetArgumentPointer(N::particleSpeciesCodes, &codes) ||
        args->GetArgumentPointer(N::particleContributing, &contributing) || args->GetArgumentPointer(N::coordinates, &x) ||
        args->GetArgumentPointer(N::partialEnergy, &energy) ||
        args->GetArgumentPointer(N::partialParticleEnergy, &particle_energy) ||
        args->GetArgumentPointer(N::partialForces, &forces) || args->GetArgumentPointer(N::partialVirial, &virial) ||
        args->GetArgumentPointer(N::partialParticleVirial, &particle_virial)) {
        log_error(modelCompute, "eipnn: cannot read the compute arguments", __LINE__);
        return 1;
    }
    const int n = *n_ptr;
    const std::vector<int>& species = d->model->species();
    for (int p = 0; p < n; ++p)
        if (codes[p] < 0 || codes[p] >= int(species.size())) {
            std::string known;
            for (std::size_t s = 0; s < species.size(); ++s)
                known += str(s == 0 ? "" : ", ", s, " = ", element_symbol(species[s]));
            log_error(modelCompute,
                      str("eipnn: particle ", p, " has species code ", codes[p], ", which this ", d->model->kind(),
                          " model does not know (its codes: ", known,
                          "); map the simulation's atom types to these elements"),
                      __LINE__);
            return 1;
        }
    // contributing particles first (graph 0), in KIM's order; ghosts after them (graph 1)
    d->slot.assign(std::size_t(n), -1);
    d->particle_of.clear();
    int n_contributing = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (int p = 0; p < n; ++p)
            if ((contributing[p] != 0) == (pass == 0)) {
                d->slot[std::size_t(p)] = int(d->particle_of.size());
                d->particle_of.push_back(p);
            }
        if (pass == 0) n_contributing = int(d->particle_of.size());
    }
    d->positions.resize(3 * std::size_t(n));
    d->numbers.resize(std::size_t(n));
    for (int k = 0; k < n; ++k) {
        const int p = d->particle_of[std::size_t(k)];
        for (int c = 0; c < 3; ++c) d->positions[3 * std::size_t(k) + c] = x[3 * std::size_t(p) + c];
        d->numbers[std::size_t(k)] = species[std::size_t(codes[p])];
    }
    std::vector<std::pair<index_t, index_t>> pairs;
    for (int p = 0; p < n; ++p) {
        if (!contributing[p] && d->no_ghost_lists) continue;  // KIM has no list for it
        int count = 0;
        const int* neighbors = nullptr;
        if (args->GetNeighborList(0, p, &count, &neighbors)) {
            log_error(modelCompute, str("eipnn: no neighbour list for particle ", p), __LINE__);
            return 1;
        }
        for (int k = 0; k < count; ++k) pairs.emplace_back(d->slot[std::size_t(p)], d->slot[std::size_t(neighbors[k])]);
    }
    d->timer.stop(PhaseTimer::kNeighbors);
    ContributingEnergy<double>& out = d->out;
    if (n_contributing > 0) {
        try {
            const GraphBatch batch = make_explicit_graph(d->positions, d->numbers, n_contributing, std::move(pairs),
                                                         d->model->cutoff());
            d->timer.stop(PhaseTimer::kGraph);
            const index_t own_edges = batch.edge_offsets[1];
            d->timer.count(n_contributing, n - n_contributing, own_edges, batch.n_edges() - own_edges);
            d->model->evaluate(batch, out, particle_virial != nullptr);
            d->timer.stop(PhaseTimer::kModel);
        } catch (const std::exception& e) {
            log_error(modelCompute, str("eipnn: ", e.what()), __LINE__);
            return 1;
        }
    } else {  // nothing of this domain counts (an empty MPI domain): every output is zero
        out.energy = 0;
        out.atom_energy.assign(std::size_t(n), 0.0);
        out.forces.assign(3 * std::size_t(n), 0.0);
        out.virial.fill(0.0);
        out.atom_virial.assign(9 * std::size_t(n), 0.0);
    }
    // W (row-major 3x3) -> KIM's V = -W in Voigt order xx yy zz yz xz xy
    const auto voigt = [](const double* w, double* v) {
        v[0] = -w[0];
        v[1] = -w[4];
        v[2] = -w[8];
        v[3] = -w[5];
        v[4] = -w[2];
        v[5] = -w[1];
    };
    if (energy) *energy = out.energy;
    if (virial) voigt(out.virial.data(), virial);
    for (int p = 0; p < n; ++p) {
        const std::size_t k = std::size_t(d->slot[std::size_t(p)]);
        if (particle_energy) particle_energy[p] = contributing[p] ? out.atom_energy[k] : 0.0;
        if (forces)
            for (int c = 0; c < 3; ++c) forces[3 * std::size_t(p) + c] = out.forces[3 * k + c];
        if (particle_virial) voigt(&out.atom_virial[9 * k], &particle_virial[6 * std::size_t(p)]);
    }
    d->timer.stop(PhaseTimer::kOutput);
    return 0;
}

// How many MPI ranks the launcher started (Open MPI's, MPICH's and Slurm's variables; the driver
// does not link MPI), 1 when none says.
inline int mpi_ranks() {
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return std::atoi(v);
    return 1;
}

// A compute error is often local to one MPI rank (two atoms overlapping in its domain), but LAMMPS'
// pair kim reports a failed compute with error->all, a collective that the ranks which succeeded
// never join: the job would hang until its wall time (seen with Open MPI, 2 ranks). So a process
// that is one of several ranks ends itself after logging why; mpirun then stops the other ranks
// and exits non-zero, as LAMMPS' own error->one (MPI_Abort) does. A single process returns the
// error to the simulator, which stops cleanly.
inline int compute(const KIM::ModelCompute* const modelCompute, const KIM::ModelComputeArguments* const args) {
    const int status = compute_or_fail(modelCompute, args);
    if (status != 0 && mpi_ranks() > 1) {
        std::fprintf(stderr, "ERROR from the %s: stopping this process (one of %d MPI ranks) so that the run does not "
                             "hang; the reason is above and in kim.log\n",
                     kDriverFile, mpi_ranks());
        std::fflush(stderr);
        std::exit(1);
    }
    return status;
}

// ---- refresh --------------------------------------------------------------------------------

// KIM calls this after a simulator changed parameters (ClearThenRefresh). KIM clears the influence
// distance and the neighbour-list pointers first, so they are set again; the reference energies do
// not move them. Every MPI rank gets the same values and fails or succeeds alike, so LAMMPS' error
// path (error->all) is joined by all ranks, unlike a compute error (see compute).
inline int refresh(KIM::ModelRefresh* const modelRefresh) {
    Driver* d = nullptr;
    modelRefresh->GetModelBufferPointer(reinterpret_cast<void**>(&d));
    modelRefresh->SetInfluenceDistancePointer(&d->influence_distance);
    modelRefresh->SetNeighborListPointers(1, &d->list_cutoff, &d->no_ghost_lists);
    const std::string why = apply_parameters(d->parameters, *d->model);
    if (!why.empty()) {
        log_error(modelRefresh, why, __LINE__);
        return 1;
    }
    return 0;
}

// The model as it now is, written into KIM's folder as a new portable model's parameter file,
// <name>.ckpt (KIM writes the item's CMakeLists.txt beside it).
inline int write_parameterized_model(const KIM::ModelWriteParameterizedModel* const write) {
    Driver* d = nullptr;
    write->GetModelBufferPointer(reinterpret_cast<void**>(&d));
    const std::string* path = nullptr;
    const std::string* name = nullptr;
    write->GetPath(&path);
    write->GetModelName(&name);
    const std::string file = *name + ".ckpt";
    try {
        std::filesystem::create_directories(*path);  // KIM writes the item's CMakeLists.txt there after us
        write_checkpoint(std::filesystem::path(*path) / file, parameterized_checkpoint(d->checkpoint, *d->model));
    } catch (const std::exception& e) {
        log_error(write, str("eipnn: cannot write the parameterized model ", *name, ": ", e.what()), __LINE__);
        return 1;
    }
    write->SetParameterFileName(file);
    return 0;
}

// ---- compute arguments, destroy ------------------------------------------------------------

inline int compute_arguments_create(const KIM::ModelCompute* const modelCompute,
                                    KIM::ModelComputeArgumentsCreate* const create) {
    namespace N = KIM::COMPUTE_ARGUMENT_NAME;
    const KIM::SupportStatus optional = KIM::SUPPORT_STATUS::optional;
    if (create->SetArgumentSupportStatus(N::partialEnergy, optional) ||
        create->SetArgumentSupportStatus(N::partialForces, optional) ||
        create->SetArgumentSupportStatus(N::partialParticleEnergy, optional) ||
        create->SetArgumentSupportStatus(N::partialVirial, optional) ||
        create->SetArgumentSupportStatus(N::partialParticleVirial, optional)) {
        log_error(modelCompute, "eipnn: cannot register the compute arguments", __LINE__);
        return 1;
    }
    return 0;  // no callbacks: ProcessDEDrTerm does not fit a many-body model's edge gradients
}

inline int compute_arguments_destroy(const KIM::ModelCompute* const, KIM::ModelComputeArgumentsDestroy* const) {
    return 0;
}

inline int destroy(KIM::ModelDestroy* const modelDestroy) {
    Driver* d = nullptr;
    modelDestroy->GetModelBufferPointer(reinterpret_cast<void**>(&d));
    if (d) d->timer.print();
    delete d;
    return 0;
}

// ---- create ---------------------------------------------------------------------------------

// The whole set-up; returns 0 or logs why not and returns 1.
inline int create_driver(KIM::ModelDriverCreate* const create) {
    int n_files = 0;
    create->GetNumberOfParameterFiles(&n_files);
    if (n_files != 1) {
        log_error(create, str("eipnn: the model has ", n_files, " parameter files, need exactly 1 (an eipnn checkpoint)"),
                  __LINE__);
        return 1;
    }
    const std::string* dir = nullptr;
    const std::string* base = nullptr;
    create->GetParameterFileDirectoryName(&dir);
    if (create->GetParameterFileBasename(0, &base)) {
        log_error(create, "eipnn: cannot get the parameter file's name", __LINE__);
        return 1;
    }
    auto d = std::make_unique<Driver>();
    try {
        const std::string file = *dir + "/" + *base;
        d->checkpoint = read_checkpoint(file);
        d->model = load_driver_model(d->checkpoint, file);
    } catch (const std::exception& e) {
        // KIM unpacked the parameter file into a temporary folder that is gone by now: the file's
        // name (the portable model's name + .ckpt, cli/cmd_export_kim.hpp) is what identifies it
        log_error(create,
                  str("eipnn: the portable model's parameter file ", *base, " is not a checkpoint eipnn can run: ",
                      e.what(), "; export a checkpoint that `eipnn eval` reads with `eipnn export-kim` and install it again"),
                  __LINE__);
        return 1;
    }
    d->list_cutoff = d->model->cutoff();
    d->influence_distance = d->model->hops() * d->model->cutoff();
    d->no_ghost_lists = d->model->hops() == 1 ? 1 : 0;
    // the model's own units; a simulator in other units converts (LAMMPS: kim init ... unit_conversion_mode)
    if (create->SetUnits(KIM::LENGTH_UNIT::A, KIM::ENERGY_UNIT::eV, KIM::CHARGE_UNIT::unused,
                         KIM::TEMPERATURE_UNIT::unused, KIM::TIME_UNIT::unused) ||
        create->SetModelNumbering(KIM::NUMBERING::zeroBased)) {
        log_error(create, "eipnn: cannot set units or numbering", __LINE__);
        return 1;
    }
    const std::vector<int>& species = d->model->species();
    for (std::size_t s = 0; s < species.size(); ++s)
        if (create->SetSpeciesCode(KIM::SpeciesName(element_symbol(species[s])), int(s))) {
            log_error(create, str("eipnn: KIM does not know the species ", element_symbol(species[s])), __LINE__);
            return 1;
        }
    create->SetInfluenceDistancePointer(&d->influence_distance);
    create->SetNeighborListPointers(1, &d->list_cutoff, &d->no_ghost_lists);
    if (!publish_parameters(create, *d->model, d->parameters)) {
        log_error(create, "eipnn: cannot publish the parameter reference_energy", __LINE__);
        return 1;
    }
    KIM::ModelDestroyFunction* destroy_fn = destroy;
    KIM::ModelComputeFunction* compute_fn = compute;
    KIM::ModelRefreshFunction* refresh_fn = refresh;
    KIM::ModelWriteParameterizedModelFunction* write_fn = write_parameterized_model;
    KIM::ModelComputeArgumentsCreateFunction* ca_create_fn = compute_arguments_create;
    KIM::ModelComputeArgumentsDestroyFunction* ca_destroy_fn = compute_arguments_destroy;
    namespace R = KIM::MODEL_ROUTINE_NAME;
    const KIM::LanguageName cpp = KIM::LANGUAGE_NAME::cpp;
    if (create->SetRoutinePointer(R::Destroy, cpp, true, reinterpret_cast<KIM::Function*>(destroy_fn)) ||
        create->SetRoutinePointer(R::Compute, cpp, true, reinterpret_cast<KIM::Function*>(compute_fn)) ||
        create->SetRoutinePointer(R::Refresh, cpp, true, reinterpret_cast<KIM::Function*>(refresh_fn)) ||
        create->SetRoutinePointer(R::WriteParameterizedModel, cpp, false, reinterpret_cast<KIM::Function*>(write_fn)) ||
        create->SetRoutinePointer(R::ComputeArgumentsCreate, cpp, true, reinterpret_cast<KIM::Function*>(ca_create_fn)) ||
        create->SetRoutinePointer(R::ComputeArgumentsDestroy, cpp, true, reinterpret_cast<KIM::Function*>(ca_destroy_fn))) {
        log_error(create, "eipnn: cannot register the model routines", __LINE__);
        return 1;
    }
    create->SetModelBufferPointer(d.release());
    return 0;
}

}  // namespace eipnn::kim
