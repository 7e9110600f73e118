// A minimal KIM simulator that changes an installed eipnn portable model's published parameter
// through the KIM API itself (no LAMMPS), on the three particles of kim_three_particles.hpp:
//   1. the model publishes one parameter, reference_energy: double, one entry per species;
//   2. a value that is not finite: ClearThenRefresh fails, kim.log (current folder) names the
//      entry, the parameter reads back as before and the energy and forces are what they were;
//   3. ref + DELTA: ClearThenRefresh succeeds, the parameter reads back as set, the energy moves by
//      2 x (the change) (two contributing particles; the ghost's reference does not count), each
//      contributing particle's energy by the change, the ghost's stays 0, forces stay the same;
//   4. WriteParameterizedModel(OUT_DIR, NEW_NAME) writes the model as it now is (the Python test,
//      kim_refresh.py, installs it and checks it with LAMMPS).
// usage: kim_parameter_check MODEL_NAME DELTA OUT_DIR NEW_NAME   (KIM_API_* collection variables set)
// Exit 0 when all hold, 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "kim_three_particles.hpp"

using kim_check::compute;
using kim_check::fail;

namespace {

// How many species the model supports: KIM's entries for it are one per species.
int supported_species(const KIM::Model* model) {
    int n_names = 0, supported_count = 0;
    KIM::SPECIES_NAME::GetNumberOfSpeciesNames(&n_names);
    for (int i = 0; i < n_names; ++i) {
        KIM::SpeciesName name;
        int supported = 0, code = 0;
        if (KIM::SPECIES_NAME::GetSpeciesName(i, &name) == 0 &&
            model->GetSpeciesSupportAndCode(name, &supported, &code) == 0 && supported)
            ++supported_count;
    }
    return supported_count;
}

bool check_metadata(const KIM::Model* model) {
    int n = 0;
    model->GetNumberOfParameters(&n);
    if (n != 1) return fail("the model does not publish exactly one parameter");
    KIM::DataType type;
    int extent = 0;
    const std::string* name = nullptr;
    const std::string* description = nullptr;
    if (model->GetParameterMetadata(0, &type, &extent, &name, &description)) return fail("GetParameterMetadata");
    bool ok = true;
    if (*name != "reference_energy") ok = fail("parameter 0 is not named reference_energy");
    if (type != KIM::DATA_TYPE::Double) ok = fail("reference_energy is not a double");
    if (extent != supported_species(model)) ok = fail("reference_energy does not have one entry per species");
    std::printf("parameter 0: %s, extent %d: %s\n", name->c_str(), extent, description->c_str());
    return ok;
}

std::string kim_log() {
    std::ifstream log("kim.log");
    return std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: kim_parameter_check MODEL_NAME DELTA OUT_DIR NEW_NAME\n");
        return 2;
    }
    const double delta = std::strtod(argv[2], nullptr);
    KIM::Model* model = kim_check::create_model(argv[1]);
    if (!model) return 1;
    bool ok = check_metadata(model);
    double ref = 0, got = 0, e0 = 0, e = 0;
    std::vector<double> pe0, f0, pe, f;
    model->GetParameter(0, 0, &ref);
    if (!compute(model, {0, 0, 0}, e0, pe0, f0)) ok = fail("compute with the published values");
    // energies of a few eV summed in another order: 64 eps relative is far above round-off
    const double eps = 64 * std::numeric_limits<double>::epsilon();
    double f_scale = 0;
    for (double v : f0) f_scale = std::max(f_scale, std::abs(v));

    // 2. refused
    model->SetParameter(0, 0, std::numeric_limits<double>::infinity());
    if (!model->ClearThenRefresh()) ok = fail("ClearThenRefresh accepted reference_energy[0] = inf");
    model->GetParameter(0, 0, &got);
    if (got != ref) ok = fail("after the refused value, reference_energy[0] does not read back as before");
    if (kim_log().find("reference_energy[0]") == std::string::npos) ok = fail("kim.log does not name reference_energy[0]");
    if (!compute(model, {0, 0, 0}, e, pe, f) || e != e0 || f != f0)
        ok = fail("after the refused value, the energy or the forces changed");
    std::printf("reference_energy[0] = inf refused; still %.17g, E = %.17g eV\n", got, e);

    // 3. accepted
    const double set = ref + delta;
    const double step = set - ref;
    model->SetParameter(0, 0, set);
    if (model->ClearThenRefresh()) ok = fail("ClearThenRefresh refused a finite reference energy");
    model->GetParameter(0, 0, &got);
    if (got != set) ok = fail("reference_energy[0] does not read back as set");
    if (!compute(model, {0, 0, 0}, e, pe, f)) {
        ok = fail("compute after the change");
    } else {
        const double scale = std::abs(e0) + std::abs(step);
        if (std::abs(e - e0 - 2 * step) > eps * scale) ok = fail("the energy did not move by 2 x the change");
        for (int p = 0; p < 2; ++p)
            if (std::abs(pe[std::size_t(p)] - pe0[std::size_t(p)] - step) > eps * scale)
                ok = fail("a contributing particle's energy did not move by the change");
        if (pe[2] != 0.0) ok = fail("the ghost has a particle energy");
        for (std::size_t k = 0; k < f.size(); ++k)
            if (std::abs(f[k] - f0[k]) > eps * f_scale) ok = fail("the forces changed with the reference energy");
        std::printf("reference_energy[0] = %.17g: E = %.17g eV (was %.17g, shift %.3g for 2 x %.17g)\n", got, e, e0,
                    e - e0, step);
    }

    // 4. saved
    if (model->WriteParameterizedModel(argv[3], argv[4])) ok = fail("WriteParameterizedModel");
    else std::printf("written as %s in %s\n", argv[4], argv[3]);
    KIM::Model::Destroy(&model);
    return ok ? 0 : 1;
}
