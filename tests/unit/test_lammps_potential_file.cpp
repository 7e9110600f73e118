// The shared tokenizer of LAMMPS potential files: entries spanning lines, comments, and
// malformed files, whose errors must name the file, the line and the field expected.
#include <catch2/catch.hpp>

#include "eipnn/io/lammps_potential_file.hpp"
#include "support/test_support.hpp"

using eipnn::Error;
using eipnn::io::PotentialEntry;
using eipnn::io::PotentialFileReader;

namespace {

const std::vector<std::string> kFields = {"e1", "e2", "e3", "epsilon", "sigma", "a"};

// The message of the eipnn::Error that `f` throws (fails the test when nothing is thrown).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no eipnn::Error was thrown");
    return {};
}

}  // namespace

TEST_CASE("potential file: entries span lines, comments and blank lines are skipped", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text(
        "# header comment\n"
        "\n"
        "Si Si Si 2.1683   # trailing comment\n"
        "   2.0951 1.80\n"
        "Ge Ge Ge 1 2 3\n"
        "# the end\n",
        "test.sw");
    PotentialEntry e;
    REQUIRE(r.next_entry(kFields, e));
    CHECK(e.word(0) == "Si");
    CHECK(e.number(3) == 2.1683);
    CHECK(e.number(5) == 1.80);
    CHECK(e.first_line() == 3);
    CHECK(e.lines[4] == 4);
    REQUIRE(r.next_entry(kFields, e));
    CHECK(e.word(2) == "Ge");
    CHECK(e.number(5) == 3.0);
    CHECK(e.first_line() == 5);
    CHECK_FALSE(r.next_entry(kFields, e));
}

TEST_CASE("potential file: a non-numeric field names file, line and field", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text("Si Si Si 2.1683\n 2.0951x 1.8\n", "bad.sw");
    PotentialEntry e;
    REQUIRE(r.next_entry(kFields, e));
    const std::string msg = error_of([&] { (void)e.number(4); });
    CHECK_THAT(msg, Catch::Contains("bad.sw line 2"));
    CHECK_THAT(msg, Catch::Contains("'sigma'"));
    CHECK_THAT(msg, Catch::Contains("2.0951x"));
}

TEST_CASE("potential file: a truncated entry names the missing field", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text("Si Si Si 2.1683\n# comment\n 2.0951\n", "short.sw");
    PotentialEntry e;
    const std::string msg = error_of([&] { r.next_entry(kFields, e); });
    CHECK_THAT(msg, Catch::Contains("short.sw line 3"));
    CHECK_THAT(msg, Catch::Contains("'a'"));
    CHECK_THAT(msg, Catch::Contains("starts at line 1"));
}

TEST_CASE("potential file: extra words after an entry on the same line are an error", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text("Si Si Si 1 2\n 3 Ge\n", "long.sw");
    PotentialEntry e;
    const std::string msg = error_of([&] { r.next_entry(kFields, e); });
    CHECK_THAT(msg, Catch::Contains("long.sw line 2"));
    CHECK_THAT(msg, Catch::Contains("'Ge'"));
}

TEST_CASE("potential file: streamed numbers and raw header lines", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text(
        "free text # not a comment here\n"
        "2 0.5\n"
        "1.0 2.0\n3.0\n"
        "nan\n",
        "table.eam");
    CHECK(r.raw_line("title") == "free text # not a comment here");
    CHECK(r.next_int("Nrho") == 2);
    CHECK(r.next_double("drho") == 0.5);
    const auto v = r.next_doubles(3, "F");
    CHECK(v == std::vector<double>{1.0, 2.0, 3.0});
    CHECK(r.line_number() == 4);
    std::string msg = error_of([&] { (void)r.next_double("rho"); });
    CHECK_THAT(msg, Catch::Contains("table.eam line 5"));
    CHECK_THAT(msg, Catch::Contains("'rho'"));
    msg = error_of([&] { (void)r.next_double("phi"); });
    CHECK_THAT(msg, Catch::Contains("ends where 'phi'"));
}

TEST_CASE("potential file: an integer field rejects fractions, a missing file is a clear error", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text("2.5\n", "n.txt");
    CHECK_THAT(error_of([&] { (void)r.next_int("n"); }), Catch::Contains("an integer"));
    const std::string msg = error_of([] { PotentialFileReader("no/such/file.sw"); });
    CHECK_THAT(msg, Catch::Contains("no/such/file.sw"));
    CHECK_THAT(msg, Catch::Contains("EIPNN_POTENTIALS"));
}

// Found by tests/fuzz/fuzz_eam_funcfl.cpp and fuzz_eam_setfl.cpp: an integer field beyond int's
// range ("1e12" for a table size) was converted to int before being checked, which is undefined
// behaviour (UBSan: "outside the range of representable values of type 'int'").
TEST_CASE("potential file: an integer field beyond int's range is an error", "[io][potential_file]") {
    auto r = PotentialFileReader::from_text("1e12 -4.74737e9 2147483648 2147483647 -2147483648\n", "big.txt");
    CHECK_THAT(error_of([&] { (void)r.next_int("Nrho"); }), Catch::Contains("'Nrho' (an integer)") && Catch::Contains("1e12"));
    CHECK_THAT(error_of([&] { (void)r.next_int("Nr"); }), Catch::Contains("an integer"));
    CHECK_THAT(error_of([&] { (void)r.next_int("N"); }), Catch::Contains("an integer"));
    CHECK(r.next_int("max") == 2147483647);
    CHECK(r.next_int("min") == -2147483647 - 1);
    auto e = PotentialFileReader::from_text("Si Si Si 1e300 1 2\n", "entry.txt");
    PotentialEntry entry;
    REQUIRE(e.next_entry(kFields, entry));
    CHECK_THAT(error_of([&] { (void)entry.integer(3); }),
               Catch::Contains("entry.txt line 1") && Catch::Contains("'epsilon' must be an integer"));
}
