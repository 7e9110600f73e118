// libFuzzer target for the Stillinger-Weber file reader (LAMMPS `pair_style sw`), run by
// tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once (fuzz_support.hpp).
#include "eipnn/eip/sw.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        auto reader = eipnn::io::PotentialFileReader::from_text(eipnn::fuzz::text_of(data, size), "fuzz.sw");
        const eipnn::StillingerWeber pot(eipnn::read_sw_file(reader), eipnn::SpeciesMap(), reader.name());
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
