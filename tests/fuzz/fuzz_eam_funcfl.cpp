// libFuzzer target for the EAM funcfl reader (LAMMPS `pair_style eam`, one file per element), run
// by tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once (fuzz_support.hpp). An
// input holds up to three files separated by lines "%%", so the resampling of files with
// different grids onto LAMMPS' common grid is fuzzed too.
#include "eipnn/eip/eam.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        std::vector<eipnn::io::PotentialFileReader> readers;
        const auto files = eipnn::fuzz::split_files(eipnn::fuzz::text_of(data, size), 3);
        for (std::size_t k = 0; k < files.size(); ++k)
            readers.push_back(eipnn::io::PotentialFileReader::from_text(files[k], eipnn::str("fuzz", k, ".eam")));
        const eipnn::EamPotential pot(eipnn::read_eam_funcfl(readers), eipnn::SpeciesMap(), "fuzz.eam");
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
