// A minimal KIM simulator that calls an installed eipnn portable model directly (no LAMMPS):
//   1. three particles, two contributing and one ghost, valid species: the compute succeeds, the
//      particle energies add up to the energy, the forces to zero (translation invariance), the
//      ghost's particle energy is zero;
//   2. the same with species code 7: the compute fails and the KIM log (kim.log in the current
//      folder) names the particle and the code.
// usage: kim_species_check MODEL_NAME   (with the KIM_API_* collection variables of the install)
// Exit 0 when both hold, 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "kim_three_particles.hpp"

using kim_check::compute;
using kim_check::fail;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: kim_species_check MODEL_NAME\n");
        return 2;
    }
    KIM::Model* model = kim_check::create_model(argv[1]);
    if (!model) return 1;
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
