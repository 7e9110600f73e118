// Spline-MEAM against LAMMPS `pair_style meam/spline` with the same files (Si_1, old format;
// the Park–Fellinger–Lenosky Mo file; a new-format copy of Si_1): same splines, so energies to
// 1e-10 relative and forces to 1e-9 eV/Å.
#include <fstream>

#include "eipnn/eip/meam_spline.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

TEST_CASE("meam/spline Si_1 matches LAMMPS", "[eip][meam_spline][lammps]") {
    const auto file = lammps::lammps_potential_or_skip("Si_1.meam.spline");
    const auto pot = MeamSplinePotential::from_file(file.string());
    CHECK(pot.supported_numbers() == std::vector<int>{14});
    const auto setup = lammps::file_setup("meam/spline", file);
    for (const auto& [name, s] : standard_structures("diamond", 5.431, 14, 91, 5.0)) compare_to_lammps(pot, s, setup, "meam-Si-" + name);
}

TEST_CASE("meam/spline Mo Park-Fellinger-Lenosky matches LAMMPS", "[eip][meam_spline][lammps]") {
    const auto file = data_file_or_skip("potentials/Mo_ParkFellingerLenosky_2012.meam.spline");
    const auto pot = MeamSplinePotential::from_file(file.string());
    const auto setup = lammps::file_setup("meam/spline", file);
    for (const auto& [name, s] : standard_structures("bcc", 3.147, 42, 101, 4.5)) compare_to_lammps(pot, s, setup, "meam-Mo-" + name);
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
    for (const auto& [name, s] : standard_structures("diamond", 5.431, 14, 111, 5.0)) compare_to_lammps(pot, s, setup, "meam-Si-newformat-" + name);
}
