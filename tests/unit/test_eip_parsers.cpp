// Malformed EAM, spline-MEAM and EDIP files and missing elements: errors name the file, the line
// and the expected field (in the form of the shared tokenizer, "<file> line <n>: ...").
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "eipnn/eip/eam.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test;

namespace {

std::string write(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
    const auto p = dir / name;
    std::ofstream(p) << text;
    return p.string();
}

// A tiny valid setfl: 2 elements, 5-point tables.
std::string setfl_text(const std::string& line5 = "5 0.1 5 1.0 4.0", const std::string& z2r_last = "0.1 0.1 0.1 0.1 0.1") {
    return "c1\nc2\nc3\n2 Al Cu\n" + line5 +
           "\n13 26.98 4.05 fcc\n0 -1 -2 -3 -4\n1 0.8 0.6 0.4 0.2\n29 63.5 3.6 fcc\n0 -1 -2 -3 -4\n1 0.8 0.6 0.4 0.2\n"
           "1 0.5 0.3 0.1 0\n1 0.5 0.3 0.1 0\n" + z2r_last + "\n";
}

}  // namespace

TEST_CASE("eam setfl: a valid small file parses", "[eip][eam][parser]") {
    const auto dir = scratch_dir("eip_parsers_valid");
    const auto p = write(dir, "ok.eam.alloy", setfl_text());
    const auto t = read_eam_setfl(p);
    CHECK(t.elements == std::vector<std::string>{"Al", "Cu"});
    CHECK(t.numbers == std::vector<int>{13, 29});
    CHECK(t.z2r.size() == 3);
    CHECK(t.z2r[2][0] == 0.1);
    CHECK(t.rhomax == Approx(0.4));
    const auto pot = EamPotential::from_setfl(p);
    CHECK(pot.supported_numbers() == std::vector<int>{13, 29});
}

TEST_CASE("eam setfl: malformed files name file, line and field", "[eip][eam][parser]") {
    const auto dir = scratch_dir("eip_parsers_bad");
    {
        const auto p = write(dir, "bad_header.eam.alloy", setfl_text("5 0.1 x 1.0 4.0"));
        const auto msg = thrown_message([&] { read_eam_setfl(p); });
        CHECK_THAT(msg, Catch::Contains("bad_header.eam.alloy line 5") && Catch::Contains("Nr (field 3 of line 5)") &&
                            Catch::Contains("'x'"));
    }
    {
        const auto p = write(dir, "short_header.eam.alloy", setfl_text("5 0.1 5 1.0"));
        CHECK_THAT(thrown_message([&] { read_eam_setfl(p); }), Catch::Contains("short_header.eam.alloy line 5") &&
                                                             Catch::Contains("Nrho drho Nr dr cutoff"));
    }
    {
        const auto p = write(dir, "truncated.eam.alloy", setfl_text("5 0.1 5 1.0 4.0", "0.1 0.1"));
        CHECK_THAT(thrown_message([&] { read_eam_setfl(p); }),
                   Catch::Contains("truncated.eam.alloy line 14") && Catch::Contains("r*phi(r) of pair Cu-Cu (value 3 of 5)"));
    }
    {
        const auto p = write(dir, "badnum.eam.alloy", setfl_text("5 0.1 5 1.0 4.0", "0.1 0.1 1.0.0 0.1 0.1"));
        CHECK_THAT(thrown_message([&] { read_eam_setfl(p); }),
                   Catch::Contains("badnum.eam.alloy line 14") && Catch::Contains("'1.0.0'"));
    }
    {
        const auto p = write(dir, "tiny.eam.alloy", setfl_text("3 0.1 5 1.0 4.0"));
        CHECK_THAT(thrown_message([&] { read_eam_setfl(p); }), Catch::Contains("tiny.eam.alloy line 5") && Catch::Contains("Nrho = 3"));
    }
    {
        const auto p = write(dir, "elements.eam.alloy", "c\nc\nc\n3 Al Cu\n");
        CHECK_THAT(thrown_message([&] { read_eam_setfl(p); }),
                   Catch::Contains("elements.eam.alloy line 4") && Catch::Contains("announces 3 elements but names 2"));
    }
    CHECK_THAT(thrown_message([&] { read_eam_setfl((dir / "absent.eam.alloy").string()); }),
               Catch::Contains("cannot open") && Catch::Contains("absent.eam.alloy"));
}

TEST_CASE("eam funcfl: malformed files name file, line and field", "[eip][eam][parser]") {
    const auto dir = scratch_dir("eip_parsers_funcfl");
    const auto p = write(dir, "bad.eam", "comment\n29 63.5 3.6 FCC\n5 0.1 5 0.5 2.0\n0 -1 -2 -3 -4\n1 1 1 1 1\n1 0.5\n");
    CHECK_THAT(thrown_message([&] { read_eam_funcfl({p}); }),
               Catch::Contains("bad.eam line 6") && Catch::Contains("rho(r) (value 3 of 5)") && Catch::Contains("truncated"));
    const auto q = write(dir, "badz.eam", "comment\nCu 63.5 3.6 FCC\n");
    CHECK_THAT(thrown_message([&] { read_eam_funcfl({q}); }),
               Catch::Contains("badz.eam line 2") && Catch::Contains("atomic number (field 1 of line 2)"));
}

TEST_CASE("eam: missing elements and bad mappings are clear errors", "[eip][eam][parser]") {
    const auto dir = scratch_dir("eip_parsers_missing");
    const auto p = write(dir, "ok.eam.alloy", setfl_text());
    const auto pot = EamPotential::from_setfl(p);
    Structure s;
    s.cell = Cell::free_cluster();
    s.positions = {0, 0, 0, 2.5, 0, 0};
    s.numbers = {13, 26};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }),
               Catch::Contains("atom 1 is Fe") && Catch::Contains("no entry") && Catch::Contains("ok.eam.alloy"));
    CHECK_THAT(thrown_message([&] { EamPotential::from_setfl(p, {{"Ni", "Ni"}}); }),
               Catch::Contains("Ni=Ni") && Catch::Contains("use one of: Al, Cu"));
    // atoms at zero distance: the neighbour list refuses, never a NaN
    s.numbers = {13, 13};
    s.positions = {0, 0, 0, 0, 0, 0};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }), Catch::Contains("apart"));
}

#include "eipnn/eip/meam_spline.hpp"

TEST_CASE("meam/spline: malformed files name file, line and field", "[eip][meam_spline][parser]") {
    const auto dir = scratch_dir("eip_parsers_meam");
    // old format, one element: phi, rho, U, f, g with 3 knots each
    auto fn = [](const std::string& knots) { return "3\n0 0\n1 0 0 0\n" + knots; };
    const std::string ok_knots = "1.0 1.0 0\n2.0 0.5 0\n3.0 0.0 0\n";
    const std::string good = "comment\n" + fn(ok_knots) + fn(ok_knots) + fn("0 0 0\n1 -1 0\n2 -1.5 0\n") + fn(ok_knots) +
                             fn("-1 0 0\n0 1 0\n1 0 0\n");
    const auto p = write(dir, "Si_test.meam.spline", good);
    const auto params = read_meam_spline(p);
    CHECK(params.elements == std::vector<std::string>{"Si"});
    CHECK(params.cutoff == 3.0);
    // knot off the grid
    const auto q = write(dir, "Si_offgrid.meam.spline", "comment\n" + fn("1.0 1.0 0\n2.2 0.5 0\n3.0 0 0\n"));
    CHECK_THAT(thrown_message([&] { read_meam_spline(q); }),
               Catch::Contains("Si_offgrid.meam.spline line 7") && Catch::Contains("off the uniform grid"));
    // a bad number in a knot
    const auto r = write(dir, "Si_badnum.meam.spline", "comment\n" + fn("1.0 1.0 0\n2.0 abc 0\n3.0 0 0\n"));
    CHECK_THAT(thrown_message([&] { read_meam_spline(r); }),
               Catch::Contains("Si_badnum.meam.spline line 6") && Catch::Contains("y of knot 2 of phi(Si-Si)") &&
                   Catch::Contains("'abc'"));
    // truncated: only phi present
    const auto t = write(dir, "Si_short.meam.spline", "comment\n" + fn(ok_knots));
    CHECK_THAT(thrown_message([&] { read_meam_spline(t); }),
               Catch::Contains("Si_short.meam.spline") && Catch::Contains("number of knots of rho(Si)"));
    // no element in the name of an old-format file
    const auto u = write(dir, "potential.meam.spline", good);
    CHECK_THAT(thrown_message([&] { read_meam_spline(u); }), Catch::Contains("does not name its element"));
    CHECK(read_meam_spline(u, "Ge").elements == std::vector<std::string>{"Ge"});
    // missing element at evaluation
    const auto pot = MeamSplinePotential::from_file(p);
    Structure s;
    s.positions = {0, 0, 0, 2.0, 0, 0};
    s.numbers = {14, 32};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }), Catch::Contains("atom 1 is Ge") && Catch::Contains("no entry"));
}

#include "eipnn/eip/edip.hpp"

namespace {

// The Si entry of Justo et al. (as in LAMMPS' Si.edip), laid out over three lines after a
// comment, with word `k` replaced by `replace` when given; `tail` is appended verbatim.
std::string edip_text(int k = -1, const std::string& replace = "", const std::string& tail = "") {
    std::vector<std::string> w = {"Si", "Si", "Si", "7.9821730", "1.5075463", "3.1213820", "2.5609104",
                                  "3.1083847", "0.0070975", "0.2523244", "1.1247945", "1.4533108", "0.6966326",
                                  "1.2085196", "0.5774108", "312.1341346", "-0.165799", "32.557", "0.286198", "0.66"};
    if (k >= 0) w[std::size_t(k)] = replace;
    std::string text = "# EDIP Si, Justo et al. 1998\n";
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (w[i].empty()) continue;
        text += w[i] + ((i == 9 || i == 15) ? "\n" : " ");  // lines 2, 3, 4 of the file
    }
    return text + "\n" + tail;
}

}  // namespace

TEST_CASE("edip: a valid file parses into the named fields", "[eip][edip][parser]") {
    const auto dir = scratch_dir("eip_parsers_edip_ok");
    std::string element;
    const auto p = read_edip(write(dir, "Si_ok.edip", edip_text()), &element);
    CHECK(element == "Si");
    CHECK(p.A == 7.9821730);
    CHECK(p.a == 3.1213820);  // cutoffA
    CHECK(p.c == 2.5609104);  // cutoffC
    CHECK(p.Q0 == 312.1341346);
    CHECK(p.u4 == 0.66);
}

TEST_CASE("edip: malformed files name file, line and field", "[eip][edip][parser]") {
    const auto dir = scratch_dir("eip_parsers_edip_bad");
    {  // field 13 'mu' (line 3 of the file) is not a number
        const auto p = write(dir, "badnum.edip", edip_text(12, "0.69x"));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("badnum.edip line 3") &&
                                                        Catch::Contains("field 13 'mu'") && Catch::Contains("'0.69x'"));
    }
    {  // the file ends before u4: the message names the missing field and where the entry began
        const auto p = write(dir, "short.edip", edip_text(19, ""));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("short.edip line") &&
                                                        Catch::Contains("starts at line 2") &&
                                                        Catch::Contains("field 20 'u4'"));
    }
    {  // a word after u4 on the entry's last line
        const auto p = write(dir, "long.edip", edip_text(19, "0.66 7"));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("long.edip line 4") &&
                                                        Catch::Contains("more than 20 fields") && Catch::Contains("'7'"));
    }
    {  // a second (multi-element) entry, on line 5
        const auto p = write(dir, "two.edip", edip_text(-1, "", "Ge Ge Ge 1 2 3\n"));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("two.edip line 5") &&
                                                        Catch::Contains("second entry") && Catch::Contains("'Ge'"));
    }
    {  // a mixed entry
        const auto p = write(dir, "mixed.edip", edip_text(2, "Ge"));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("mixed.edip line 2") &&
                                                        Catch::Contains("Si Si Ge") && Catch::Contains("single-element"));
    }
    {  // cutoffC >= cutoffA: reported at the line of cutoffA
        const auto p = write(dir, "cut.edip", edip_text(6, "3.5"));
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("cut.edip line 2") &&
                                                        Catch::Contains("0 < cutoffC < cutoffA") && Catch::Contains("3.5"));
    }
    {  // comments only
        const auto p = write(dir, "empty.edip", "# nothing here\n\n");
        CHECK_THAT(thrown_message([&] { read_edip(p); }), Catch::Contains("empty.edip") && Catch::Contains("no EDIP entry") &&
                                                        Catch::Contains("element1 element2 element3 A B"));
    }
    CHECK_THAT(thrown_message([&] { read_edip((dir / "absent.edip").string()); }),
               Catch::Contains("cannot open") && Catch::Contains("absent.edip"));
}

TEST_CASE("edip: a structure with an element the file lacks is a clear error", "[eip][edip][parser]") {
    const auto dir = scratch_dir("eip_parsers_edip_missing");
    const auto pot = EdipPotential::from_file(write(dir, "Si_ok.edip", edip_text()));
    Structure s;
    s.positions = {0, 0, 0, 2.3, 0, 0};
    s.numbers = {14, 6};
    CHECK_THAT(thrown_message([&] { pot.compute(s); }), Catch::Contains("atom 1 is C") && Catch::Contains("no entry"));
}

// Found while writing the fuzz targets (reading the code after the tokenizer's int-range fix): a
// header announcing 2e9 table values, or a spline announcing 2e9 knots, in a file that holds a few
// sized the tables up front (16 GB) instead of failing as truncated.
TEST_CASE("fuzz regression: huge announced table sizes fail as truncated, without allocating them",
          "[eip][eam][meam_spline][parser]") {
    auto setfl = io::PotentialFileReader::from_text(setfl_text("2000000000 0.1 5 1.0 4.0"), "huge.eam.alloy");
    CHECK_THAT(thrown_message([&] { read_eam_setfl(setfl); }),
               Catch::Contains("huge.eam.alloy line") && Catch::Contains("F(rho) of element Al") &&
                   Catch::Contains("of 2000000000"));
    auto funcfl = io::PotentialFileReader::from_text("comment\n29 63.5 3.6 FCC\n5 0.1 2000000000 0.5 2.0\n0 -1 -2 -3 -4\n1 1\n",
                                                     "huge.eam");
    std::vector<io::PotentialFileReader> readers{funcfl};
    CHECK_THAT(thrown_message([&] { read_eam_funcfl(readers); }),
               Catch::Contains("huge.eam line") && Catch::Contains("Z(r) (value 3 of 2000000000)"));
    auto meam = io::PotentialFileReader::from_text("comment\n2000000000\n0 0\n1 0 0 0\n1.0 1.0 0\n2.0 0.5 0\n",
                                                   "Si_huge.meam.spline");
    CHECK_THAT(thrown_message([&] { read_meam_spline(meam); }),
               Catch::Contains("Si_huge.meam.spline line") && Catch::Contains("knot 3"));
}

// The text entry point the fuzz targets use reads what the path-based one reads.
TEST_CASE("eam setfl: reading from text is reading from a file", "[eip][eam][parser]") {
    const auto dir = scratch_dir("eip_parsers_text");
    auto r = io::PotentialFileReader::from_text(setfl_text(), "mem.eam.alloy");
    const auto from_text = read_eam_setfl(r);
    const auto from_file = read_eam_setfl(write(dir, "ok.eam.alloy", setfl_text()));
    CHECK(from_text.elements == from_file.elements);
    CHECK(from_text.z2r == from_file.z2r);
    CHECK(from_text.frho == from_file.frho);
}

// Found by tests/fuzz/fuzz_eam_funcfl.cpp --long: a funcfl file whose spacings differ by 17 orders
// of magnitude made DYNAMO's resampling convert a coordinate beyond int's range into a table index
// (undefined behaviour; the sanitized run reports it). It is read, resampled and evaluated now.
TEST_CASE("fuzz regression: extreme funcfl spacings resample without undefined behaviour", "[eip][eam][parser]") {
    std::vector<io::PotentialFileReader> readers;
    readers.push_back(io::PotentialFileReader::from_text(
        "comment\n29 63.5 3.6 FCC\n5 0.01 5 8.2e17 4.95\n0 -1 -2 -3 -4\n1 1 1 1 1\n1 0.8 0.6 0.4 0.2\n", "wide.eam"));
    const EamPotential pot(read_eam_funcfl(readers), SpeciesMap(), "wide.eam");
    Structure s;
    s.positions = {0, 0, 0, 2.5, 0, 0, 0, 2.5, 0};
    s.numbers = {29, 29, 29};
    const EipResult<double> r = pot.compute(s);
    CHECK(r.forces.size() == 9);
}
