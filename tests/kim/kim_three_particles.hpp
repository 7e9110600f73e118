// What the minimal KIM simulators (kim_species_check.cpp, kim_parameter_check.cpp) share: one
// compute of an installed model on three particles, two contributing and one ghost, every one
// within a Si cutoff of the others, through the KIM API alone (no LAMMPS).
#pragma once
#include <KIM_SimulatorHeaders.hpp>

#include <cstdio>
#include <vector>

namespace kim_check {

// Every particle's neighbours: all the others.
struct Lists {
    std::vector<std::vector<int>> of;
};

inline int get_neighbors(void* const data, int const, double const* const, int const list, int const particle,
                         int* const count, int const** const neighbors) {
    if (list != 0) return 1;
    const Lists* l = static_cast<const Lists*>(data);
    *count = int(l->of[std::size_t(particle)].size());
    *neighbors = l->of[std::size_t(particle)].data();
    return 0;
}

inline bool fail(const char* what) {
    std::fprintf(stderr, "FAIL: %s\n", what);
    return false;
}

// One compute with the given species codes; true when it succeeded. Energy e, particle energies
// pe (3), forces f (3 x 3).
inline bool compute(KIM::Model* model, std::vector<int> codes, double& e, std::vector<double>& pe,
                    std::vector<double>& f) {
    KIM::ComputeArguments* args = nullptr;
    if (model->ComputeArgumentsCreate(&args)) return fail("ComputeArgumentsCreate");
    int n = 3;
    std::vector<int> contributing = {1, 1, 0};
    std::vector<double> x = {0.0, 0.0, 0.0, 2.35, 0.1, -0.05, -1.2, 1.9, 0.3};
    Lists lists{{{1, 2}, {0, 2}, {0, 1}}};
    pe.assign(3, -1.0);
    f.assign(9, 0.0);
    namespace N = KIM::COMPUTE_ARGUMENT_NAME;
    const int set = args->SetArgumentPointer(N::numberOfParticles, &n) ||
                    args->SetArgumentPointer(N::particleSpeciesCodes, codes.data()) ||
                    args->SetArgumentPointer(N::particleContributing, contributing.data()) ||
                    args->SetArgumentPointer(N::coordinates, x.data()) || args->SetArgumentPointer(N::partialEnergy, &e) ||
                    args->SetArgumentPointer(N::partialParticleEnergy, pe.data()) ||
                    args->SetArgumentPointer(N::partialForces, f.data()) ||
                    args->SetCallbackPointer(KIM::COMPUTE_CALLBACK_NAME::GetNeighborList, KIM::LANGUAGE_NAME::cpp,
                                             reinterpret_cast<KIM::Function*>(get_neighbors), &lists);
    const bool ok = !set && !model->Compute(args);
    model->ComputeArgumentsDestroy(&args);
    return ok;
}

// The model in KIM's units for metal simulations (Å, eV), or null after saying why not.
inline KIM::Model* create_model(const char* name) {
    int accepted = 0;
    KIM::Model* model = nullptr;
    if (KIM::Model::Create(KIM::NUMBERING::zeroBased, KIM::LENGTH_UNIT::A, KIM::ENERGY_UNIT::eV, KIM::CHARGE_UNIT::e,
                           KIM::TEMPERATURE_UNIT::K, KIM::TIME_UNIT::ps, name, &accepted, &model)) {
        fail("KIM::Model::Create (is the model installed in the collection the KIM_API_* variables name?)");
        return nullptr;
    }
    return model;
}

}  // namespace kim_check
