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
