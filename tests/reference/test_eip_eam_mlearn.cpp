// Every test configuration of mlearn Mo (sheared triclinic DFT cells) with the EAM, spline-MEAM, Morse and EDIP potentials
// against their oracles: eam/alloy and meam/spline through LAMMPS with the same files, Morse
// through the OpenKIM models; mlearn Si with meam/spline (LAMMPS) and EDIP (OpenKIM, energies and
// forces only, see test_eip_edip_kim.cpp). Same tolerances as the synthetic structures.
#include "eipnn/eip/eam.hpp"
#include "eipnn/eip/edip.hpp"
#include "eipnn/eip/meam_spline.hpp"
#include "eipnn/eip/morse.hpp"
#include "eipnn/io/extxyz.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

void run_all(const Potential& pot, const std::string& data, const lammps::Setup& setup, const std::string& tag,
             Compared what = Compared::everything) {
    const auto frames = read_extxyz(data_file_or_skip(data));
    REQUIRE(!frames.empty());
    ReferenceErrors worst;
    for (std::size_t k = 0; k < frames.size(); ++k)
        worst.keep_worst(compare_to_lammps(pot, frames[k].structure, setup, tag + "-" + std::to_string(k), what));
    worst.print(tag + " over " + std::to_string(frames.size()) + " configurations");
}

}  // namespace

TEST_CASE("mlearn Mo test set: eam/alloy ZJW 2004 table matches LAMMPS", "[eip][eam][lammps][mlearn]") {
    const auto file = data_file_or_skip("potentials/Mo_ZhouJohnsonWadley_2004.eam.alloy");
    run_all(EamPotential::from_setfl(file.string()), "mlearn-mo/test.extxyz", lammps::file_setup("eam/alloy", file), "mlearn-Mo-eam");
}

TEST_CASE("mlearn Mo test set: meam/spline PFL 2012 matches LAMMPS", "[eip][meam_spline][lammps][mlearn]") {
    const auto file = data_file_or_skip("potentials/Mo_ParkFellingerLenosky_2012.meam.spline");
    run_all(MeamSplinePotential::from_file(file.string()), "mlearn-mo/test.extxyz", lammps::file_setup("meam/spline", file),
            "mlearn-Mo-meam");
}

TEST_CASE("mlearn Mo test set: Morse Girifalco-Weizer matches OpenKIM", "[eip][morse][kim][mlearn]") {
    lammps::lmp_binary_or_skip();
    const std::pair<const char*, const char*> sets[] = {
        {"GirifalcoWeizer_Mo_low", "Morse_Shifted_GirifalcoWeizer_1959LowCutoff_Mo__MO_228581001644_004"},
        {"GirifalcoWeizer_Mo_medium", "Morse_Shifted_GirifalcoWeizer_1959MedCutoff_Mo__MO_534363225491_004"},
        {"GirifalcoWeizer_Mo_high", "Morse_Shifted_GirifalcoWeizer_1959HighCutoff_Mo__MO_666830945336_004"}};
    for (const auto& [set, model] : sets)
        run_all(MorsePotential::named(set), "mlearn-mo/test.extxyz", lammps::kim_setup(model), std::string("mlearn-Mo-") + set);
}

TEST_CASE("mlearn Si test set: meam/spline Si_1 matches LAMMPS", "[eip][meam_spline][lammps][mlearn]") {
    const auto file = lammps::lammps_potential_or_skip("Si_1.meam.spline");
    run_all(MeamSplinePotential::from_file(file.string()), "mlearn-si/test.extxyz", lammps::file_setup("meam/spline", file),
            "mlearn-Si-meam");
}

TEST_CASE("mlearn Si test set: EDIP matches OpenKIM", "[eip][edip][kim][mlearn]") {
    const auto file = lammps::lammps_potential_or_skip("Si.edip");
    run_all(EdipPotential::from_file(file.string()), "mlearn-si/test.extxyz",
            lammps::kim_setup("EDIP_JustoBazantKaxiras_1998_Si__MO_958932894036_002"), "mlearn-Si-edip", Compared::energy_and_forces);
}
