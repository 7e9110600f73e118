// Checkpoints: exact round trip; every truncation, every corrupted byte, a wrong magic, a newer
// version and a missing record give clear errors; writes are atomic (the old file survives a
// failed write, and no temporary file is left behind).
#include <catch2/catch.hpp>

#include <fstream>

#include "eipnn/io/checkpoint.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {
Checkpoint sample() {
    Checkpoint c;
    c.strings["model.kind"] = "schnet";
    c.strings["meta.note"] = std::string("binary\0safe", 11);
    c.ints["epoch"] = 17;
    c.ints["model.n_features"] = 128;
    c.arrays["parameters"] = {1.0, -2.5, 1e-300, std::nan("")};
    c.arrays["empty"] = {};
    return c;
}
}  // namespace

TEST_CASE("checkpoint round trip keeps every record bit for bit", "[checkpoint]") {
    const auto dir = test::scratch_dir("checkpoint_roundtrip");
    const Checkpoint c = sample();
    write_checkpoint(dir / "model.ckpt", c);
    const Checkpoint r = read_checkpoint(dir / "model.ckpt");
    REQUIRE(r.strings == c.strings);
    REQUIRE(r.ints == c.ints);
    REQUIRE(r.arrays.size() == c.arrays.size());
    const auto& p = r.get_array("parameters");
    REQUIRE(p.size() == 4);
    REQUIRE(p[0] == 1.0);
    REQUIRE(p[2] == 1e-300);
    REQUIRE(std::isnan(p[3]));
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        REQUIRE(entry.path().filename() == "model.ckpt");  // no temporary left behind
}

TEST_CASE("every truncation of a checkpoint is detected", "[checkpoint][errors]") {
    const std::string bytes = serialize_checkpoint(sample());
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        INFO("length " << len);
        REQUIRE_THROWS_AS(deserialize_checkpoint(bytes.substr(0, len), "t.ckpt"), Error);
    }
    REQUIRE_THROWS_WITH(deserialize_checkpoint(bytes.substr(0, bytes.size() - 3), "t.ckpt"),
                        Catch::Contains("truncated") && Catch::Contains("t.ckpt"));
}

TEST_CASE("every corrupted byte of a checkpoint is detected", "[checkpoint][errors]") {
    const std::string bytes = serialize_checkpoint(sample());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::string bad = bytes;
        bad[i] = char(bad[i] ^ 0x5a);
        INFO("byte " << i);
        REQUIRE_THROWS_AS(deserialize_checkpoint(bad, "c.ckpt"), Error);
    }
    std::string bad = bytes;
    bad[bytes.size() / 2] ^= 1;
    REQUIRE_THROWS_WITH(deserialize_checkpoint(bad, "c.ckpt"), Catch::Contains("checksum mismatch"));
}

TEST_CASE("incompatible files say why", "[checkpoint][errors]") {
    std::string bytes = serialize_checkpoint(sample());
    REQUIRE_THROWS_WITH(deserialize_checkpoint("hello world, not a checkpoint", "x"), Catch::Contains("bad magic"));
    bytes[8] = 9;  // version 9
    REQUIRE_THROWS_WITH(deserialize_checkpoint(bytes, "x"), Catch::Contains("version 9 is not supported"));
    const Checkpoint c = sample();
    REQUIRE_THROWS_WITH(c.get_int("step", "m.ckpt"), Catch::Contains("no integer record 'step'") && Catch::Contains("m.ckpt"));
}

TEST_CASE("a failed write leaves the previous checkpoint intact", "[checkpoint][errors]") {
    const auto dir = test::scratch_dir("checkpoint_atomic");
    write_checkpoint(dir / "model.ckpt", sample());
    // the target is a directory-name collision: rename must fail, the old file must survive
    std::filesystem::create_directories(dir / "sub" / "model.ckpt" / "occupied");
    REQUIRE_THROWS_AS(write_checkpoint(dir / "sub" / "model.ckpt", sample()), Error);
    REQUIRE(std::filesystem::is_directory(dir / "sub" / "model.ckpt"));
    REQUIRE(read_checkpoint(dir / "model.ckpt").get_int("epoch") == 17);
    REQUIRE_THROWS_WITH(write_checkpoint(dir / "missing" / "m.ckpt", sample()), Catch::Contains("does not exist"));
    REQUIRE_THROWS_WITH(read_checkpoint(dir / "nope.ckpt"), Catch::Contains("cannot open"));
}

namespace {
// A checkpoint file around a hand-made payload: header and checksum as the writer makes them, so
// the record parser behind the checksum sees exactly these bytes.
std::string wrap_payload(const std::string& payload) {
    std::string out(kCheckpointMagic, sizeof(kCheckpointMagic));
    detail::put<std::uint32_t>(out, kCheckpointVersion);
    detail::put<std::uint64_t>(out, payload.size());
    out += payload;
    detail::put<std::uint64_t>(out, detail::fnv1a64(payload));
    return out;
}
}  // namespace

// Found by tests/fuzz/fuzz_checkpoint.cpp: reading an empty array record passed the null data()
// of an empty vector to memcpy (undefined behaviour, reported by UBSan).
TEST_CASE("fuzz regression: an empty array record reads back empty", "[checkpoint][errors]") {
    std::string payload;
    detail::put_name(payload, 'R', "empty");
    detail::put<std::uint64_t>(payload, 0);
    const Checkpoint c = deserialize_checkpoint(wrap_payload(payload), "e.ckpt");
    REQUIRE(c.arrays.size() == 1);
    REQUIRE(c.get_array("empty").empty());
}

// Found reading the record parser for tests/fuzz/fuzz_checkpoint.cpp: an array length of 2^61 (+ 1)
// made the byte count n * 8 wrap around to 0 (8), which passed the bounds check; the vector was then
// sized with the huge count and threw std::length_error instead of an eipnn::Error.
TEST_CASE("fuzz regression: an array length whose byte count wraps around is an error", "[checkpoint][errors]") {
    for (const std::uint64_t n : {std::uint64_t(1) << 61, (std::uint64_t(1) << 61) + 1, std::uint64_t(-1)}) {
        INFO("length " << n);
        std::string payload;
        detail::put_name(payload, 'R', "huge");
        detail::put<std::uint64_t>(payload, n);
        detail::put<double>(payload, 1.0);  // 8 bytes follow: what the wrapped count asked for
        REQUIRE_THROWS_WITH(deserialize_checkpoint(wrap_payload(payload), "h.ckpt"),
                            Catch::Contains("truncated") && Catch::Contains("'huge'") && Catch::Contains("h.ckpt"));
    }
}
