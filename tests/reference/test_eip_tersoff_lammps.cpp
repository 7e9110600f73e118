// Tersoff (T2 Si.tersoff, T3 = the Si(C) entry of SiCGe.tersoff, Erhart–Albe SiC, Ge.tersoff) and
// modified Tersoff (Kumagai, Si.tersoff.mod) against LAMMPS with the same files, and T2/T3
// against the OpenKIM models through `kim init` / `kim interactions`.
#include <catch2/catch.hpp>

#include "eipnn/eip/tersoff.hpp"
#include "eipnn/eip/tersoff_mod.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

// Zincblende SiC (Si on the fcc sites, C on the tetrahedral ones), n x n x n, rattled.
Structure zincblende_sic(double a, int n, double sigma, unsigned seed) {
    Structure s = diamond(a, n, n, n, 14);
    for (std::size_t i = 0; i < s.numbers.size(); ++i)
        if (i % 8 >= 4) s.numbers[i] = 6;
    rattle(s, sigma, seed);
    return s;
}

std::vector<std::pair<std::string, Structure>> crystal_cases(double a, int z) {
    return standard_structures("diamond", a, z, 7, 6.0);
}

template <class Pot>
void check_cases(const Pot& pot, const lammps::Setup& setup, const std::string& tag, double a, int z) {
    for (const auto& [name, s] : crystal_cases(a, z))
        compare_to_lammps(pot, s, setup, tag + "-" + name, Compared::no_atom_energies);
}

}  // namespace

TEST_CASE("tersoff vs lammps: T2, T3, Ge on crystals, small and sheared cells, a cluster", "[eip][tersoff][lammps]") {
    const auto si = lammps::lammps_potential_or_skip("Si.tersoff");
    check_cases(Tersoff::from_file(si), lammps::file_setup("tersoff", si), "T2", 5.431, 14);
    const auto sicge = lammps::lammps_potential_or_skip("SiCGe.tersoff");
    const SpeciesMap t3 = SpeciesMap::parse("Si=Si(C)", "test");
    check_cases(Tersoff::from_file(sicge, t3), lammps::file_setup("tersoff", sicge, {{14, "Si(C)"}}), "T3", 5.431, 14);
    const auto ge = lammps::lammps_potential_or_skip("Ge.tersoff");
    check_cases(Tersoff::from_file(ge), lammps::file_setup("tersoff", ge), "Ge", 5.658, 32);
}

TEST_CASE("tersoff vs lammps: Erhart-Albe SiC, two species and m = 1", "[eip][tersoff][lammps]") {
    const auto f = lammps::lammps_potential_or_skip("SiC_Erhart-Albe.tersoff");
    const Tersoff pot = Tersoff::from_file(f);
    const auto setup = lammps::file_setup("tersoff", f);
    compare_to_lammps(pot, zincblende_sic(4.36, 2, 0.1, 3), setup, "EA-sic64", Compared::no_atom_energies);
    compare_to_lammps(pot, zincblende_sic(4.36, 1, 0.15, 4), setup, "EA-sic8", Compared::no_atom_energies);
    check_cases(pot, setup, "EA-si", 5.431, 14);
}

TEST_CASE("tersoff/mod vs lammps: Kumagai Si", "[eip][tersoff_mod][lammps]") {
    const auto f = lammps::lammps_potential_or_skip("Si.tersoff.mod");
    check_cases(TersoffMod::from_file(f), lammps::file_setup("tersoff/mod", f), "MOD", 5.431, 14);
}

TEST_CASE("tersoff vs lammps: every mlearn test configuration", "[eip][tersoff][lammps][mlearn]") {
    struct Case {
        std::string tag, style, file, entry;
    };
    const std::vector<Case> cases = {{"T2", "tersoff", "Si.tersoff", "Si"},
                                     {"T3", "tersoff", "SiCGe.tersoff", "Si(C)"},
                                     {"EA", "tersoff", "SiC_Erhart-Albe.tersoff", "Si"},
                                     {"Ge", "tersoff", "Ge.tersoff", "Ge"},
                                     {"MOD", "tersoff/mod", "Si.tersoff.mod", "Si"}};
    for (const auto& c : cases) {
        const auto f = lammps::lammps_potential_or_skip(c.file);
        // every element of the data uses the file's entry, as pair_coeff would map it
        const SpeciesMap map = SpeciesMap::parse("Si=" + c.entry + ",Ge=" + c.entry + ",Mo=" + c.entry, "test");
        std::unique_ptr<Potential> pot;
        if (c.style == "tersoff") pot = std::make_unique<Tersoff>(Tersoff::from_file(f, map));
        else pot = std::make_unique<TersoffMod>(TersoffMod::from_file(f, map));
        const auto setup = lammps::file_setup(c.style, f, {{14, c.entry}, {32, c.entry}, {42, c.entry}});
        ReferenceErrors worst;
        for (const char* el : {"si", "ge", "mo"}) {
            const auto structures = mlearn_structures(std::string("mlearn-") + el, "test");
            for (std::size_t k = 0; k < structures.size(); ++k)
                worst.keep_worst(
                    compare_to_lammps(*pot, structures[k], setup, str(c.tag, "-", el, k), Compared::no_atom_energies));
        }
        worst.print(c.tag + " mlearn");
    }
}

TEST_CASE("tersoff vs openkim: T2 and T3 models through pair_style kim", "[eip][tersoff][kim]") {
    const auto si = lammps::lammps_potential_or_skip("Si.tersoff");
    const auto sicge = lammps::lammps_potential_or_skip("SiCGe.tersoff");
    const Tersoff t2 = Tersoff::from_file(si);
    const Tersoff t3 = Tersoff::from_file(sicge, SpeciesMap::parse("Si=Si(C)", "test"));
    const auto kim_t2 = lammps::kim_setup("Tersoff_LAMMPS_Tersoff_1988T2_Si__MO_245095684871_003");
    const auto kim_t3 = lammps::kim_setup("Tersoff_LAMMPS_Tersoff_1988T3_Si__MO_186459956893_003");
    for (const auto& [name, s] : crystal_cases(5.431, 14)) {
        compare_to_lammps(t2, s, kim_t2, "kimT2-" + name, Compared::no_atom_energies);
        compare_to_lammps(t3, s, kim_t3, "kimT3-" + name, Compared::no_atom_energies);
    }
    const auto structures = mlearn_structures("mlearn-si", "test");
    for (std::size_t k = 0; k < structures.size(); ++k) {
        compare_to_lammps(t2, structures[k], kim_t2, str("kimT2-si", k), Compared::no_atom_energies);
        compare_to_lammps(t3, structures[k], kim_t3, str("kimT3-si", k), Compared::no_atom_energies);
    }
}
