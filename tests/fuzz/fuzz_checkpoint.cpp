// libFuzzer target for the checkpoint reader (include/eipnn/io/checkpoint.hpp), run by
// tests/fuzz/run_fuzzer.sh. Every input is read twice:
//  1. as given, which fuzzes the magic, version, length and checksum checks;
//  2. with the header and checksum made consistent with the bytes (magic and version set, the
//     payload length = what lies between header and checksum, the checksum recomputed), because
//     a checksum turns almost every mutation into "checksum mismatch" and the record parser
//     behind it would otherwise hardly ever run.
// A checkpoint that reads must survive serialize -> deserialize unchanged (bit for bit, NaNs
// included), and serializing it again must give the same bytes.
#include <cstring>
#include <string>

#include "eipnn/io/checkpoint.hpp"
#include "fuzz_support.hpp"

namespace {

constexpr const char* kTarget = "fuzz_checkpoint";
constexpr std::size_t kHeader = sizeof(eipnn::kCheckpointMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);

void check_same(const eipnn::Checkpoint& a, const eipnn::Checkpoint& b) {
    if (a.ints != b.ints) eipnn::fuzz::fail(kTarget, "integer records changed in the round trip");
    if (a.strings != b.strings) eipnn::fuzz::fail(kTarget, "string records changed in the round trip");
    if (a.arrays.size() != b.arrays.size()) eipnn::fuzz::fail(kTarget, "array record count changed in the round trip");
    for (auto x = a.arrays.begin(), y = b.arrays.begin(); x != a.arrays.end(); ++x, ++y)
        if (x->first != y->first || x->second.size() != y->second.size() ||
            (!x->second.empty() && std::memcmp(x->second.data(), y->second.data(), x->second.size() * sizeof(double)) != 0))
            eipnn::fuzz::fail(kTarget, "array record '" + x->first + "' changed in the round trip");
}

void read_and_round_trip(const std::string& bytes) {
    eipnn::Checkpoint ckpt;
    try {
        ckpt = eipnn::deserialize_checkpoint(bytes, "fuzz.ckpt");
    } catch (const eipnn::Error&) {
        return;  // rejected with a message: fine
    }
    const std::string written = eipnn::serialize_checkpoint(ckpt);
    eipnn::Checkpoint again;
    try {
        again = eipnn::deserialize_checkpoint(written, "fuzz-rewritten.ckpt");
    } catch (const eipnn::Error& e) {
        eipnn::fuzz::fail(kTarget, std::string("our own checkpoint does not read back: ") + e.what());
    }
    check_same(ckpt, again);
    if (eipnn::serialize_checkpoint(again) != written) eipnn::fuzz::fail(kTarget, "second serialization differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes = eipnn::fuzz::text_of(data, size);
    read_and_round_trip(bytes);
    if (size < kHeader + sizeof(std::uint64_t)) return 0;
    std::string fixed = bytes;
    const std::uint32_t version = eipnn::kCheckpointVersion;
    const std::uint64_t length = size - kHeader - sizeof(std::uint64_t);
    std::memcpy(&fixed[0], eipnn::kCheckpointMagic, sizeof(eipnn::kCheckpointMagic));
    std::memcpy(&fixed[sizeof(eipnn::kCheckpointMagic)], &version, sizeof version);
    std::memcpy(&fixed[sizeof(eipnn::kCheckpointMagic) + sizeof version], &length, sizeof length);
    const std::uint64_t sum = eipnn::detail::fnv1a64(fixed.substr(kHeader, std::size_t(length)));
    std::memcpy(&fixed[kHeader + std::size_t(length)], &sum, sizeof sum);
    read_and_round_trip(fixed);
    return 0;
}
