// Spline-MEAM against LAMMPS `pair_style meam/spline` with the same files (Si_1, old format;
// the Park–Fellinger–Lenosky Mo file; a new-format copy of Si_1): same splines, so energies to
// 1e-10 relative and forces to 1e-9 eV/Å.
#include <fstream>

#include "eipnn/eip/meam_spline.hpp"
#include "reference/eip_b_compare.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

std::vector<std::pair<std::string, Structure>> si_structures(unsigned seed) {
    std::vector<std::pair<std::string, Structure>> out;
    out.emplace_back("cell8", diamond(5.431));
    Structure big = diamond(5.431, 2, 2, 2);
    rattle(big, 0.1, seed);
    out.emplace_back("rattled64", big);
    Structure blob = diamond(5.431, 2, 2, 2);
    rattle(blob, 0.08, seed + 1);
    out.emplace_back("cluster", cluster_of(blob, 5.0));
    // primitive 2-atom cell, width 3.1 Å < 2 x 4.5 Å cutoff
    Structure prim;
    const double a = 5.431;
    prim.cell = Cell::periodic({Vec3{0, a / 2, a / 2}, Vec3{a / 2, 0, a / 2}, Vec3{a / 2, a / 2, 0}});
    prim.positions = {0, 0, 0, a / 4 + 0.05, a / 4 - 0.03, a / 4};
    prim.numbers = {14, 14};
    out.emplace_back("small", prim);
    Structure shear = sheared(diamond(5.431, 1, 1, 2), seed + 3);
    rattle(shear, 0.1, seed + 4);
    out.emplace_back("sheared", shear);
    return out;
}

std::vector<std::pair<std::string, Structure>> mo_structures(unsigned seed) {
    std::vector<std::pair<std::string, Structure>> out;
    out.emplace_back("cell8", bcc(3.147, 2, 2, 1, 42));
    Structure big = bcc(3.147, 4, 4, 2, 42);
    rattle(big, 0.12, seed);
    out.emplace_back("rattled64", big);
    Structure blob = bcc(3.147, 3, 3, 3, 42);
    rattle(blob, 0.08, seed + 1);
    out.emplace_back("cluster", cluster_of(blob, 4.5));
    Structure small = bcc(3.147, 1, 1, 1, 42);
    rattle(small, 0.1, seed + 2);
    out.emplace_back("small", small);
    Structure shear = sheared(bcc(3.147, 2, 2, 2, 42), seed + 3);
    rattle(shear, 0.1, seed + 4);
    out.emplace_back("sheared", shear);
    return out;
}

}  // namespace

TEST_CASE("meam/spline Si_1 matches LAMMPS", "[eip][meam_spline][lammps]") {
    const auto file = lammps::lammps_potential_or_skip("Si_1.meam.spline");
    const auto pot = MeamSplinePotential::from_file(file.string());
    CHECK(pot.supported_numbers() == std::vector<int>{14});
    const auto setup = lammps::file_setup("meam/spline", file);
    for (const auto& [name, s] : si_structures(91)) compare_to_lammps(pot, s, setup, "meam-Si-" + name);
}

TEST_CASE("meam/spline Mo Park-Fellinger-Lenosky matches LAMMPS", "[eip][meam_spline][lammps]") {
    const auto file = data_file_or_skip("potentials/Mo_ParkFellingerLenosky_2012.meam.spline");
    const auto pot = MeamSplinePotential::from_file(file.string());
    const auto setup = lammps::file_setup("meam/spline", file);
    for (const auto& [name, s] : mo_structures(101)) compare_to_lammps(pot, s, setup, "meam-Mo-" + name);
}

TEST_CASE("meam/spline new file format (element line) matches LAMMPS", "[eip][meam_spline][lammps]") {
    // Rewrite Si_1 in the new format: 'meam/spline 1 Si', a 'spline3eq' line before each function,
    // no flags line.
    const auto file = lammps::lammps_potential_or_skip("Si_1.meam.spline");
    const auto dir = scratch_dir("meam_new_format");
    const auto out_path = dir / "Si_new.meam.spline";
    {
        std::ifstream in(file);
        std::ofstream out(out_path);
        std::string line;
        std::getline(in, line);
        out << line << "\nmeam/spline 1 Si\n";
        for (int fn = 0; fn < 5; ++fn) {
            std::getline(in, line);
            const int n = std::stoi(line);
            out << "spline3eq\n" << line << "\n";
            std::getline(in, line);
            out << line << "\n";
            std::getline(in, line);  // flags, dropped
            for (int k = 0; k < n; ++k) {
                std::getline(in, line);
                out << line << "\n";
            }
        }
    }
    const auto pot = MeamSplinePotential::from_file(out_path.string());
    CHECK(pot.params().elements == std::vector<std::string>{"Si"});
    const auto setup = lammps::file_setup("meam/spline", out_path);
    for (const auto& [name, s] : si_structures(111)) compare_to_lammps(pot, s, setup, "meam-Si-newformat-" + name);
}
