// libFuzzer target for the EAM setfl reader (LAMMPS `pair_style eam/alloy`), run by
// tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once (fuzz_support.hpp). The
// seeds include eam/fs files too: eipnn has no eam/fs style, but such a file handed to the setfl
// reader by mistake must be rejected or read, never crash it.
#include "eipnn/eip/eam.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        auto reader = eipnn::io::PotentialFileReader::from_text(eipnn::fuzz::text_of(data, size), "fuzz.eam.alloy");
        const eipnn::EamPotential pot(eipnn::read_eam_setfl(reader), eipnn::SpeciesMap(), reader.name());
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
