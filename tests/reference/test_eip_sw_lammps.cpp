// Stillinger–Weber against LAMMPS `pair_style sw` with the same files (Si.sw and the optimised
// SW of Zhang, Xie, Hu et al. 2014), and against the OpenKIM SW model through `pair_style kim`.
#include <catch2/catch.hpp>

#include "eipnn/eip/sw.hpp"
#include "reference/eip_vs_reference.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

struct SwFile {
    std::string name;
    std::filesystem::path path;
};

std::vector<SwFile> sw_files() {
    std::vector<SwFile> files{{"Si.sw", lammps::lammps_potential_or_skip("Si.sw")}};
    const auto zxh = shared_dir() / "data" / "potentials" / "Si_ZhangXieHu_2014_OptimizedSW1.sw";
    if (std::filesystem::exists(zxh)) files.push_back({"ZhangXieHu", zxh});
    return files;
}

}  // namespace

TEST_CASE("sw vs lammps: crystals, small and sheared cells, a free cluster", "[eip][sw][lammps]") {
    for (const auto& f : sw_files()) {
        const auto pot = StillingerWeber::from_file(f.path);
        const auto setup = lammps::file_setup("sw", f.path);
        for (const auto& [name, s] : standard_structures("diamond", 5.431, 14, 7, 6.0))
            compare_to_lammps(pot, s, setup, "sw-" + f.name + "-" + name, Compared::no_atom_energies);
    }
}

TEST_CASE("sw vs lammps: every mlearn test configuration (Si, Ge, Mo as Si)", "[eip][sw][lammps][mlearn]") {
    for (const auto& f : sw_files()) {
        ReferenceErrors worst;
        for (const char* el : {"si", "ge", "mo"}) {
            const auto structures = mlearn_structures(std::string("mlearn-") + el, "test");
            // LAMMPS maps atom types to file entries; here every element uses the Si entry
            const SpeciesMap map = SpeciesMap::parse("Ge=Si,Mo=Si", "test");
            const auto pot = StillingerWeber::from_file(f.path, map);
            const auto setup = lammps::file_setup("sw", f.path, {{32, "Si"}, {42, "Si"}});
            for (std::size_t k = 0; k < structures.size(); ++k)
                worst.keep_worst(compare_to_lammps(pot, structures[k], setup, str("sw-", f.name, "-", el, k),
                                                    Compared::no_atom_energies));
        }
        worst.print("sw " + f.name + " mlearn");
    }
}
