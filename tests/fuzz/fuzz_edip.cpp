// libFuzzer target for the EDIP file reader (LAMMPS `pair_style edip`), run by
// tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once (fuzz_support.hpp).
#include "eipnn/eip/edip.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        auto reader = eipnn::io::PotentialFileReader::from_text(eipnn::fuzz::text_of(data, size), "fuzz.edip");
        std::string element;
        const auto params = eipnn::read_edip(reader, &element);
        const eipnn::EdipPotential pot(params, element, eipnn::SpeciesMap(), reader.name());
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
