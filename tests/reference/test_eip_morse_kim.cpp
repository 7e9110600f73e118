// Shifted Morse (Girifalco–Weizer 1959) against the six OpenKIM Morse_Shifted models for Mo and
// Al through LAMMPS `pair_style kim`: the same closed form, so energies to 1e-10 relative and
// forces to 1e-9 eV/Å.
#include "eipnn/eip/morse.hpp"
#include "reference/eip_b_compare.hpp"

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

std::vector<std::pair<std::string, Structure>> structures(bool is_bcc, double a, int z, unsigned seed) {
    auto crystal = [&](int n0, int n1, int n2) { return is_bcc ? bcc(a, n0, n1, n2, z) : fcc(a, n0, n1, n2, z); };
    std::vector<std::pair<std::string, Structure>> out;
    out.emplace_back("cell8", is_bcc ? crystal(2, 2, 1) : crystal(2, 1, 1));
    Structure big = is_bcc ? crystal(4, 4, 2) : crystal(2, 2, 4);
    rattle(big, 0.12, seed);
    out.emplace_back("rattled64", big);
    Structure blob = crystal(3, 3, 3);
    rattle(blob, 0.08, seed + 1);
    out.emplace_back("cluster", cluster_of(blob, 1.6 * a));
    Structure small = crystal(1, 1, 1);  // one conventional cell: far below twice the cutoff
    rattle(small, 0.1, seed + 2);
    out.emplace_back("small", small);
    Structure shear = sheared(crystal(2, 2, 2), seed + 3);
    rattle(shear, 0.1, seed + 4);
    out.emplace_back("sheared", shear);
    return out;
}

}  // namespace

TEST_CASE("morse Girifalco-Weizer Mo matches the OpenKIM models", "[eip][morse][kim]") {
    lammps::lmp_binary_or_skip();
    for (const auto& m : kMo) {
        const auto pot = MorsePotential::named(m.set);
        const auto setup = lammps::kim_setup(m.model);
        for (const auto& [name, s] : structures(true, 3.147, 42, 71)) compare_to_lammps(pot, s, setup, std::string(m.set) + "-" + name);
    }
}

TEST_CASE("morse Girifalco-Weizer Al matches the OpenKIM models", "[eip][morse][kim]") {
    lammps::lmp_binary_or_skip();
    for (const auto& m : kAl) {
        const auto pot = MorsePotential::named(m.set);
        const auto setup = lammps::kim_setup(m.model);
        for (const auto& [name, s] : structures(false, 4.05, 13, 81)) compare_to_lammps(pot, s, setup, std::string(m.set) + "-" + name);
    }
}
