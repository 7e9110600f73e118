// A minimal KIM simulator that calls an installed eipnn portable model directly (no LAMMPS):
//   1. three particles, two contributing and one ghost, valid species: the compute succeeds, the
//      particle energies add up to the energy, the forces to zero (translation invariance), the
//      ghost's particle energy is zero;
//   2. the same with species code 7: the compute fails and the KIM log (kim.log in the current
//      folder) names the particle and the code.
// usage: kim_species_check MODEL_NAME   (with the KIM_API_* collection variables of the install)
// Exit 0 when both hold, 1 otherwise.
#include <KIM_SimulatorHeaders.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace {

// Every particle's neighbours: all the others (three particles, all within a Si cutoff).
struct Lists {
    std::vector<std::vector<int>> of;
};

int get_neighbors(void* const data, int const, double const* const, int const list, int const particle, int* const count,
                  int const** const neighbors) {
    if (list != 0) return 1;
    const Lists* l = static_cast<const Lists*>(data);
    *count = int(l->of[std::size_t(particle)].size());
    *neighbors = l->of[std::size_t(particle)].data();
    return 0;
}

bool fail(const char* what) {
    std::fprintf(stderr, "FAIL: %s\n", what);
    return false;
}

// One compute with the given species codes; true when it succeeded. Results in e, pe, f.
bool compute(KIM::Model* model, std::vector<int> codes, double& e, std::vector<double>& pe, std::vector<double>& f) {
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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: kim_species_check MODEL_NAME\n");
        return 2;
    }
    int accepted = 0;
    KIM::Model* model = nullptr;
    if (KIM::Model::Create(KIM::NUMBERING::zeroBased, KIM::LENGTH_UNIT::A, KIM::ENERGY_UNIT::eV, KIM::CHARGE_UNIT::e,
                           KIM::TEMPERATURE_UNIT::K, KIM::TIME_UNIT::ps, argv[1], &accepted, &model)) {
        fail("KIM::Model::Create (is the model installed in the collection the KIM_API_* variables name?)");
        return 1;
    }
    bool ok = true;
    double e = 0;
    std::vector<double> pe, f;
    if (!compute(model, {0, 0, 0}, e, pe, f)) {
        ok = fail("compute with valid species");
    } else {
        // energies of a few eV summed in another order: 64 eps relative is far above round-off
        const double tol = 64 * std::numeric_limits<double>::epsilon();
        if (!std::isfinite(e)) ok = fail("energy not finite");
        if (std::abs(pe[0] + pe[1] - e) > tol * (1 + std::abs(e))) ok = fail("particle energies do not add up");
        if (pe[2] != 0.0) ok = fail("the ghost has a particle energy");
        double scale = 0;
        for (double v : f) scale = std::max(scale, std::abs(v));
        if (!(scale > 0)) ok = fail("no forces");
        for (int c = 0; c < 3; ++c)
            if (std::abs(f[std::size_t(c)] + f[3 + std::size_t(c)] + f[6 + std::size_t(c)]) > tol * scale)
                ok = fail("forces do not add up to zero");
        std::printf("valid species: E = %.17g eV, particle energies %.17g %.17g\n", e, pe[0], pe[1]);
    }
    if (compute(model, {0, 7, 0}, e, pe, f)) ok = fail("a compute with species code 7 succeeded");
    KIM::Model::Destroy(&model);
    std::ifstream log("kim.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (text.find("particle 1 has species code 7") == std::string::npos)
        ok = fail("kim.log does not name particle 1's species code 7");
    else
        std::printf("species code 7 refused; kim.log names it\n");
    return ok ? 0 : 1;
}
