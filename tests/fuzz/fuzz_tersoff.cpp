// libFuzzer target for the Tersoff file reader (LAMMPS `pair_style tersoff`), run by
// tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once (fuzz_support.hpp).
#include "eipnn/eip/tersoff.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        auto reader = eipnn::io::PotentialFileReader::from_text(eipnn::fuzz::text_of(data, size), "fuzz.tersoff");
        const eipnn::Tersoff pot(eipnn::TersoffForm::read(reader), eipnn::SpeciesMap(), reader.name());
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
