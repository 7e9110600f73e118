// libFuzzer target for the spline-MEAM file reader (LAMMPS `pair_style meam/spline`, old and new
// format), run by tests/fuzz/run_fuzzer.sh: parse, build the potential, evaluate once
// (fuzz_support.hpp). The name starts with an element so that old-format files (which do not name
// their element) are read as Si, as Si_1.meam.spline is.
#include "eipnn/eip/meam_spline.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    eipnn::fuzz::rejecting_is_fine([&] {
        auto reader = eipnn::io::PotentialFileReader::from_text(eipnn::fuzz::text_of(data, size), "Si_fuzz.meam.spline");
        const eipnn::MeamSplinePotential pot(eipnn::read_meam_spline(reader), eipnn::SpeciesMap(), reader.name());
        eipnn::fuzz::evaluate_once(pot);
    });
    return 0;
}
