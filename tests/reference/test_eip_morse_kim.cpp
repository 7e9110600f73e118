// Shifted Morse (Girifalco–Weizer 1959) against the six OpenKIM Morse_Shifted models for Mo and
// Al through LAMMPS `pair_style kim`: the same closed form, so energies to 1e-10 relative and
// forces to 1e-9 eV/Å.
#include "eipnn/eip/morse.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

struct KimMorse {
    const char* set;
    const char* model;
};

const KimMorse kMo[] = {
    {"GirifalcoWeizer_Mo_low", "Morse_Shifted_GirifalcoWeizer_1959LowCutoff_Mo__MO_228581001644_004"},
    {"GirifalcoWeizer_Mo_medium", "Morse_Shifted_GirifalcoWeizer_1959MedCutoff_Mo__MO_534363225491_004"},
    {"GirifalcoWeizer_Mo_high", "Morse_Shifted_GirifalcoWeizer_1959HighCutoff_Mo__MO_666830945336_004"},
};
const KimMorse kAl[] = {
    {"GirifalcoWeizer_Al_low", "Morse_Shifted_GirifalcoWeizer_1959LowCutoff_Al__MO_411898953661_004"},
    {"GirifalcoWeizer_Al_medium", "Morse_Shifted_GirifalcoWeizer_1959MedCutoff_Al__MO_279544746097_004"},
    {"GirifalcoWeizer_Al_high", "Morse_Shifted_GirifalcoWeizer_1959HighCutoff_Al__MO_140175748626_004"},
};

}  // namespace

TEST_CASE("morse Girifalco-Weizer Mo matches the OpenKIM models", "[eip][morse][kim]") {
    lammps::lmp_binary_or_skip();
    for (const auto& m : kMo) {
        const auto pot = MorsePotential::named(m.set);
        const auto setup = lammps::kim_setup(m.model);
        for (const auto& [name, s] : standard_structures("bcc", 3.147, 42, 71, 1.6 * 3.147)) compare_to_lammps(pot, s, setup, std::string(m.set) + "-" + name);
    }
}

TEST_CASE("morse Girifalco-Weizer Al matches the OpenKIM models", "[eip][morse][kim]") {
    lammps::lmp_binary_or_skip();
    for (const auto& m : kAl) {
        const auto pot = MorsePotential::named(m.set);
        const auto setup = lammps::kim_setup(m.model);
        for (const auto& [name, s] : standard_structures("fcc", 4.05, 13, 81, 1.6 * 4.05)) compare_to_lammps(pot, s, setup, std::string(m.set) + "-" + name);
    }
}
