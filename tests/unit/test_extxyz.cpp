// Extended XYZ reader/writer: round trips that keep every bit, typed info and columns, unknown
// keys kept in order, free clusters and partial pbc, the streaming writer's atomic replace, and
// every parse error naming the file and the line. (Agreement with ASE: tests/reference.)
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <limits>
#include <random>

#include "eipnn/io/extxyz.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

const char* kSi2 =
    "2\n"
    "Lattice=\"5.43 0.0 0.0 0.0 5.43 0.0 0.0 0.0 5.43\" Properties=species:S:1:pos:R:3:forces:R:3 "
    "config_type=Elastic virial_stress_kbar=\"1.5 -2.25 3 4 5 6\" energy=-10.8470 pbc=\"T T T\"\n"
    "Si 0.0 0.0 0.0 0.1 -0.2 0.3\n"
    "Si 1.3575 1.3575 1.3575 -0.1 0.2 -0.3\n";

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

// Bitwise equality of doubles (so -0.0 != 0.0 and nan == nan of the same payload).
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void require_same(const InfoValue& a, const InfoValue& b) {
    REQUIRE(a.type == b.type);
    REQUIRE(a.text == b.text);
    REQUIRE(a.ints == b.ints);
    REQUIRE(a.bools == b.bools);
    REQUIRE(a.reals.size() == b.reals.size());
    for (std::size_t k = 0; k < a.reals.size(); ++k) REQUIRE(same_bits(a.reals[k], b.reals[k]));
}

void require_same(const Frame& a, const Frame& b) {
    REQUIRE(a.structure.numbers == b.structure.numbers);
    REQUIRE(a.structure.positions.size() == b.structure.positions.size());
    for (std::size_t k = 0; k < a.structure.positions.size(); ++k)
        REQUIRE(same_bits(a.structure.positions[k], b.structure.positions[k]));
    REQUIRE(a.structure.cell.has_lattice == b.structure.cell.has_lattice);
    REQUIRE(a.structure.cell.pbc == b.structure.cell.pbc);
    for (int d = 0; d < 3; ++d)
        for (int k = 0; k < 3; ++k) REQUIRE(same_bits(a.structure.cell.lattice[d][k], b.structure.cell.lattice[d][k]));
    REQUIRE(a.info.size() == b.info.size());
    for (std::size_t k = 0; k < a.info.size(); ++k) {
        REQUIRE(a.info[k].first == b.info[k].first);
        require_same(a.info[k].second, b.info[k].second);
    }
    REQUIRE(a.columns.size() == b.columns.size());
    for (std::size_t k = 0; k < a.columns.size(); ++k) {
        const auto &x = a.columns[k], &y = b.columns[k];
        REQUIRE(x.name == y.name);
        REQUIRE(x.type == y.type);
        REQUIRE(x.n_cols == y.n_cols);
        REQUIRE(x.ints == y.ints);
        REQUIRE(x.bools == y.bools);
        REQUIRE(x.strings == y.strings);
        REQUIRE(x.reals.size() == y.reals.size());
        for (std::size_t q = 0; q < x.reals.size(); ++q) REQUIRE(same_bits(x.reals[q], y.reals[q]));
    }
}

// Parses `text` as file "bad.extxyz" and requires an eipnn::Error naming that file, the line and
// containing `expected` in its message.
void require_parse_error(const std::string& text, long long line, const std::string& expected) {
    INFO("input:\n" << text);
    try {
        (void)read_extxyz_string(text, "bad.extxyz");
    } catch (const Error& e) {
        const std::string msg = e.what();
        INFO("message: " << msg);
        CHECK(msg.find("bad.extxyz") != std::string::npos);
        CHECK(msg.find(str("line ", line)) != std::string::npos);
        CHECK(msg.find(expected) != std::string::npos);
        return;
    }
    FAIL("no eipnn::Error thrown");
}

}  // namespace

TEST_CASE("extxyz: reads structure, typed info and forces of an ASE-style frame", "[extxyz]") {
    const auto frames = read_extxyz_string(kSi2);
    REQUIRE(frames.size() == 1);
    const Frame& f = frames[0];
    REQUIRE(f.structure.size() == 2);
    REQUIRE(f.structure.numbers == std::vector<int>{14, 14});
    REQUIRE(f.structure.positions[3] == 1.3575);
    REQUIRE(f.structure.cell.has_lattice);
    REQUIRE(f.structure.cell.pbc == std::array<bool, 3>{true, true, true});
    REQUIRE(f.structure.cell.lattice[1][1] == 5.43);
    REQUIRE(f.info_real("energy") == -10.8470);
    REQUIRE(f.info_string("config_type") == "Elastic");
    REQUIRE(f.info_reals("virial_stress_kbar") == std::vector<double>{1.5, -2.25, 3, 4, 5, 6});
    // "1.5 -2.25 3 ..." mixes forms, so ASE (and we) read reals; order is the file's.
    REQUIRE(f.find_info("virial_stress_kbar")->type == ExtxyzType::Real);
    REQUIRE(f.info[0].first == "config_type");
    REQUIRE(f.info[2].first == "energy");
    REQUIRE(f.column_real("forces") == std::vector<double>{0.1, -0.2, 0.3, -0.1, 0.2, -0.3});
    REQUIRE(f.columns.size() == 1);
}

TEST_CASE("extxyz: write then read keeps every bit and the text is stable", "[extxyz]") {
    Frame f;
    f.structure = test::random_triclinic(17, 6.0, 9.0, 40.0, 140.0, 7, true);
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> forces(3 * 17);
    for (double& x : forces) x = u(rng) * 1e3 / 7.0;
    f.set_column("forces", forces, 3);
    // Awkward doubles: 0.1+0.2, subnormal, extremes, negative zero, an integral value.
    f.set_info("energy", 0.1 + 0.2);
    f.set_info("tiny", std::vector<double>{4.9406564584124654e-324, -1e-300, 1.7976931348623157e308, -0.0, 3.0});
    f.set_info("steps", std::int64_t(-9007199254740993));
    f.set_info("converged", true);
    f.set_info("note", std::string("needs \"quotes\", a \\ backslash and = signs"));
    const std::string text = write_extxyz_string(f);
    const auto back = read_extxyz_string(text);
    REQUIRE(back.size() == 1);
    require_same(back[0], [&] {
        Frame g = f;
        g.source = back[0].source;
        return g;
    }());
    // An integral real stays a real (written "3.0", not "3", which would read as an integer).
    REQUIRE(back[0].find_info("tiny")->type == ExtxyzType::Real);
    REQUIRE(write_extxyz_string(back[0]) == text);
}

TEST_CASE("extxyz: comment-line values follow ASE's typing and quoting", "[extxyz]") {
    const std::string text =
        "1\n"
        "a=1 b=1.5 c=T d=F e=True f=\"hello world\" g=\"say \\\"hi\\\" \\\\ back\" h=\"1 2 3\" i=\"1.5 2 3\" "
        "j=\"T F T\" k={1 2 3} l=[4, 5] flag m = 7 n=1e5 uid=123 o='single quoted' p=-inf q=\"_JSON [1]\"\n"
        "H 0 0 0\n";
    const Frame f = read_extxyz_string(text).at(0);
    auto type = [&](const char* k) { return f.info_value(k).type; };
    REQUIRE(type("a") == ExtxyzType::Int);
    REQUIRE(f.info_value("a").ints == std::vector<std::int64_t>{1});
    REQUIRE(f.info_real("a") == 1.0);  // integers convert for info_real
    REQUIRE(type("b") == ExtxyzType::Real);
    REQUIRE(f.info_value("c").bools == std::vector<char>{1});
    REQUIRE(f.info_value("d").bools == std::vector<char>{0});
    REQUIRE(f.info_value("e").bools == std::vector<char>{1});
    REQUIRE(f.info_string("f") == "hello world");
    REQUIRE(f.info_string("g") == "say \"hi\" \\ back");
    REQUIRE(f.info_value("h").ints == std::vector<std::int64_t>{1, 2, 3});
    REQUIRE(f.info_value("i").reals == std::vector<double>{1.5, 2, 3});
    REQUIRE(f.info_value("j").bools == std::vector<char>{1, 0, 1});
    REQUIRE(f.info_value("k").ints == std::vector<std::int64_t>{1, 2, 3});
    REQUIRE(f.info_value("l").ints == std::vector<std::int64_t>{4, 5});
    REQUIRE(f.info_value("flag").bools == std::vector<char>{1});  // a bare key means T
    REQUIRE(f.info_value("m").ints == std::vector<std::int64_t>{7});  // spaces around '='
    REQUIRE(f.info_value("n").reals == std::vector<double>{1e5});
    REQUIRE(f.info_string("uid") == "123");  // ASE keeps uid as text
    REQUIRE(f.info_string("o") == "single quoted");
    REQUIRE(f.info_real("p") == -std::numeric_limits<double>::infinity());
    REQUIRE(f.info_string("q") == "_JSON [1]");
    REQUIRE_THROWS_AS(f.info_real("f"), Error);
    REQUIRE_THROWS_AS(f.info_real("h"), Error);  // an array is not a scalar
    REQUIRE_FALSE(f.try_info_real("absent").has_value());
    REQUIRE(f.structure.cell.has_lattice == false);

    // Everything survives a write and read in order (True becomes T, still a logical).
    const Frame g = read_extxyz_string(write_extxyz_string(f)).at(0);
    REQUIRE(g.info.size() == f.info.size());
    for (std::size_t k = 0; k < f.info.size(); ++k) {
        REQUIRE(g.info[k].first == f.info[k].first);
        require_same(g.info[k].second, f.info[k].second);
    }
}

TEST_CASE("extxyz: integer, logical and string columns are read, kept and written", "[extxyz]") {
    const std::string text =
        "3\n"
        "Lattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:tag:I:1:mask:L:3:label:S:1:charge:R:1 "
        "pbc=\"T T T\"\n"
        "ge 0 0 0 7 T F True a 0.5\n"
        "Ge 1 1 1 -3 F F False bb -0.25\n"
        "GE 2 2 2 +12 T T T c_1 1e-3\n";
    const Frame f = read_extxyz_string(text).at(0);
    REQUIRE(f.structure.numbers == std::vector<int>{32, 32, 32});  // symbols capitalised as in ASE
    REQUIRE(f.columns.size() == 4);
    REQUIRE(f.find_column("tag")->ints == std::vector<std::int64_t>{7, -3, 12});
    REQUIRE(f.find_column("mask")->bools == std::vector<char>{1, 0, 1, 0, 0, 0, 1, 1, 1});
    REQUIRE(f.find_column("label")->strings == std::vector<std::string>{"a", "bb", "c_1"});
    REQUIRE(f.column_real("charge") == std::vector<double>{0.5, -0.25, 1e-3});
    REQUIRE_THROWS_AS(f.column_real("tag"), Error);    // not real
    REQUIRE_THROWS_AS(f.column_real("forces"), Error);  // absent

    const std::string out = write_extxyz_string(f);
    REQUIRE(out.find("Properties=species:S:1:pos:R:3:tag:I:1:mask:L:3:label:S:1:charge:R:1 ") != std::string::npos);
    const Frame g = read_extxyz_string(out).at(0);
    require_same(g, [&] {
        Frame h = f;
        h.source = g.source;
        return h;
    }());
}

TEST_CASE("extxyz: Z column gives atomic numbers and overrides species, as in ASE", "[extxyz]") {
    const auto a = read_extxyz_string("2\nProperties=Z:I:1:pos:R:3\n14 0 0 0\n32 1 1 1\n").at(0);
    REQUIRE(a.structure.numbers == std::vector<int>{14, 32});
    const auto b = read_extxyz_string("1\nProperties=species:S:1:pos:R:3:Z:I:1\nSi 0 0 0 42\n").at(0);
    REQUIRE(b.structure.numbers == std::vector<int>{42});
    REQUIRE(b.columns.empty());
}

TEST_CASE("extxyz: free clusters, partial pbc and the ASE default pbc for a Lattice", "[extxyz]") {
    // No Lattice, no pbc: a free cluster, written without Lattice.
    const Frame cluster = read_extxyz_string("2\nenergy=-1.0\nSi 0 0 0\nSi 0 0 2.3\n").at(0);
    REQUIRE_FALSE(cluster.structure.cell.has_lattice);
    REQUIRE_FALSE(cluster.structure.cell.any_periodic());
    const std::string out = write_extxyz_string(cluster);
    REQUIRE(out.find("Lattice") == std::string::npos);
    REQUIRE(out.find("pbc=\"F F F\"") != std::string::npos);
    REQUIRE_FALSE(read_extxyz_string(out).at(0).structure.cell.has_lattice);

    // Lattice and pbc="T T F": a slab, kept as such.
    const Frame slab =
        read_extxyz_string("1\nLattice=\"3 0 0 0 3 0 0 0 20\" pbc=\"T T F\"\nMo 0 0 0\n").at(0);
    REQUIRE(slab.structure.cell.pbc == std::array<bool, 3>{true, true, false});
    const Frame slab2 = read_extxyz_string(write_extxyz_string(slab)).at(0);
    REQUIRE(slab2.structure.cell.pbc == slab.structure.cell.pbc);
    REQUIRE(slab2.structure.cell.lattice == slab.structure.cell.lattice);

    // Lattice without pbc: ASE takes all three directions as periodic.
    const Frame bulk = read_extxyz_string("1\nLattice=\"3 0 0 0 3 0 0 0 3\"\nMo 0 0 0\n").at(0);
    REQUIRE(bulk.structure.cell.pbc == std::array<bool, 3>{true, true, true});

    // A Lattice with pbc="F F F" is a cluster that still remembers its box.
    const Frame boxed = read_extxyz_string("1\nLattice=\"3 0 0 0 3 0 0 0 3\" pbc=\"F F F\"\nMo 0 0 0\n").at(0);
    REQUIRE(boxed.structure.cell.has_lattice);
    REQUIRE_FALSE(boxed.structure.cell.any_periodic());
    // One logical applies to all directions (ASE broadcasts it).
    const Frame one = read_extxyz_string("1\nLattice=\"3 0 0 0 3 0 0 0 3\" pbc=T\nMo 0 0 0\n").at(0);
    REQUIRE(one.structure.cell.pbc == std::array<bool, 3>{true, true, true});
}

TEST_CASE("extxyz: several frames, CRLF line ends and trailing blank lines", "[extxyz]") {
    std::string two = std::string(kSi2) + "1\nenergy=2\nH 0 0 0\n\n\n";
    auto frames = read_extxyz_string(two);
    REQUIRE(frames.size() == 2);
    REQUIRE(frames[1].info_real("energy") == 2.0);
    REQUIRE(frames[1].source.find("frame 1 (line 5)") != std::string::npos);
    std::string crlf;
    for (char c : two) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    auto frames2 = read_extxyz_string(crlf);
    REQUIRE(frames2.size() == 2);
    require_same(frames2[0], frames[0]);
    // A lone carriage return ends a line too (Python's universal newlines, so ASE agrees).
    std::string cr;
    for (char c : two) cr += c == '\n' ? '\r' : c;
    auto frames3 = read_extxyz_string(cr);
    REQUIRE(frames3.size() == 2);
    require_same(frames3[1], frames[1]);
    require_parse_error("1\nenergy=1\nSi 0 0 0\r2\r\rSi 0 0 0\r", 7, "file ends after 1 of the 2");
    REQUIRE(read_extxyz_string("").empty());
}

TEST_CASE("extxyz: setters used by labelling, and accessor errors name the frame", "[extxyz]") {
    Frame f = read_extxyz_string(kSi2, "in.extxyz").at(0);
    f.set_info("energy_sw", -8.5);
    f.set_info("virial_sw", std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    f.set_column("forces_sw", std::vector<double>{1, 2, 3, 4, 5, 6}, 3);
    f.set_info("energy", -11.0);  // replaced in place: order kept
    REQUIRE(f.info[2].first == "energy");
    REQUIRE(f.info.back().first == "virial_sw");
    const std::string out = write_extxyz_string(f);
    REQUIRE(out.find("Properties=species:S:1:pos:R:3:forces:R:3:forces_sw:R:3 ") != std::string::npos);
    REQUIRE(out.find(" energy_sw=-8.5 virial_sw=\"1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0\" pbc=") != std::string::npos);
    const Frame g = read_extxyz_string(out).at(0);
    REQUIRE(g.info_reals("virial_sw").size() == 9);
    REQUIRE(g.column_real("forces_sw") == std::vector<double>{1, 2, 3, 4, 5, 6});
    REQUIRE(g.info_real("energy") == -11.0);

    REQUIRE_THROWS_AS(f.set_column("forces_bad", std::vector<double>{1, 2, 3}, 3), Error);  // 1 row for 2 atoms
    REQUIRE_THROWS_AS(f.set_column("pos", std::vector<double>(6), 3), Error);
    REQUIRE_THROWS_AS(f.set_info("Lattice", 1.0), Error);
    REQUIRE_THROWS_AS(f.set_info("bad key", 1.0), Error);
    try {
        (void)f.info_real("energy_xx");
        FAIL("no error");
    } catch (const Error& e) {
        const std::string msg = e.what();
        CHECK(msg.find("in.extxyz frame 0 (line 1)") != std::string::npos);
        CHECK(msg.find("energy_xx") != std::string::npos);
    }
    try {
        (void)f.info_real("config_type");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("not a single number") != std::string::npos);
    }
}

TEST_CASE("extxyz: writer refuses what it cannot represent", "[extxyz]") {
    Frame f = read_extxyz_string(kSi2).at(0);
    Frame g = f;
    g.set_info("note", std::string("two\nlines"));
    REQUIRE_THROWS_AS(write_extxyz_string(g), Error);
    ExtxyzColumn c;
    c.name = "label";
    c.type = ExtxyzType::String;
    c.strings = {"ok", "not ok"};
    REQUIRE_THROWS_AS(f.set_column(c), Error);
    Frame v = f;
    v.set_info("virial", std::vector<double>{1, 2, 3, 4, 5, 6});  // ASE could not read it back
    REQUIRE_THROWS_AS(write_extxyz_string(v), Error);
    v.set_info("virial", std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    REQUIRE_NOTHROW(write_extxyz_string(v));
    Frame h = f;
    h.columns[0].reals.pop_back();  // bypassing set_column: the writer still checks
    REQUIRE_THROWS_AS(write_extxyz_string(h), Error);
}

TEST_CASE("extxyz: streaming reader and writer, the writer replacing the file only on close", "[extxyz]") {
    const auto dir = test::scratch_dir("extxyz_stream");
    const auto path = dir / "out.extxyz";
    spit(path, "previous content\n");
    const Frame f = read_extxyz_string(kSi2).at(0);
    {
        ExtxyzWriter w(path);
        w.write(f);
        REQUIRE(std::filesystem::exists(dir / "out.extxyz.tmp"));
        REQUIRE(slurp(path) == "previous content\n");
        // destroyed without close(): an interrupted run
    }
    REQUIRE(slurp(path) == "previous content\n");
    REQUIRE_FALSE(std::filesystem::exists(dir / "out.extxyz.tmp"));
    {
        ExtxyzWriter w(path);
        for (int k = 0; k < 5; ++k) {
            Frame g = f;
            g.set_info("index", k);
            w.write(g);
        }
        w.close();
        REQUIRE(w.frames_written() == 5);
    }
    REQUIRE_FALSE(std::filesystem::exists(dir / "out.extxyz.tmp"));
    ExtxyzReader r(path);
    Frame g;
    int k = 0;
    while (r.next(g)) {
        REQUIRE(g.info_value("index").ints == std::vector<std::int64_t>{k});
        ++k;
    }
    REQUIRE(k == 5);
    REQUIRE(r.frames_read() == 5);
    REQUIRE(read_extxyz(path).size() == 5);
    REQUIRE_THROWS_AS(ExtxyzReader(dir / "missing.extxyz"), Error);
    REQUIRE_THROWS_AS(ExtxyzWriter(dir / "no_such_dir" / "x.extxyz"), Error);
}

TEST_CASE("extxyz: parse errors name the file (opened by path) and the line", "[extxyz]") {
    const auto dir = test::scratch_dir("extxyz_errors");
    const auto path = dir / "truncated.extxyz";
    spit(path, std::string(kSi2) + "3\nenergy=1\nSi 0 0 0\n");
    ExtxyzReader r(path);
    Frame f;
    REQUIRE(r.next(f));
    try {
        r.next(f);
        FAIL("no error");
    } catch (const Error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find(path.string() + " line 8") != std::string::npos);
        CHECK(msg.find("file ends after 1 of the 3 atom lines of frame 1") != std::string::npos);
    }
}

TEST_CASE("extxyz: every malformed input gives an error with its line", "[extxyz]") {
    const std::string ok_head = "2\nProperties=species:S:1:pos:R:3\n";
    // truncated: fewer atom lines than the count, or nothing after the count
    require_parse_error(ok_head + "Si 0 0 0\n", 4, "file ends after 1 of the 2 atom lines");
    require_parse_error("2\n", 2, "expected the comment line");
    // a second frame truncated: line numbers keep counting across frames
    require_parse_error(ok_head + "Si 0 0 0\nSi 1 1 1\n2\n\nSi 0 0 0\n", 8, "file ends after 1 of the 2");
    // wrong column counts
    require_parse_error(ok_head + "Si 0 0 0\nSi 1 1\n", 4, "atom 1 has 3 fields; Properties=species:S:1:pos:R:3 needs 4");
    require_parse_error(ok_head + "Si 0 0 0 9\nSi 1 1 1\n", 3, "atom 0 has 5 fields");
    // non-numeric fields
    require_parse_error(ok_head + "Si 0 0 0\nSi 1 1.0x 1\n", 4, "field 3 (column 'pos' #1) of atom 1 is '1.0x'");
    require_parse_error("1\nProperties=species:S:1:pos:R:3:f:R:1\nSi 0 0 0 abc\n", 3, "expected a real number");
    require_parse_error("1\nProperties=species:S:1:pos:R:3:n:I:1\nSi 0 0 0 1.5\n", 3, "expected an integer");
    require_parse_error("1\nProperties=species:S:1:pos:R:3:m:L:1\nSi 0 0 0 yes\n", 3, "expected a logical");
    // non-finite coordinates
    require_parse_error(ok_head + "Si 0 nan 0\nSi 1 1 1\n", 3, "coordinate y of atom 0 is 'nan'");
    require_parse_error(ok_head + "Si 0 0 0\nSi 1 1 -inf\n", 4, "coordinate z of atom 1 is '-inf'");
    require_parse_error(ok_head + "Si 0 0 0\nSi 1 1 1e999\n", 4, "coordinate z of atom 1");
    // periodic flags without a lattice
    require_parse_error("1\npbc=\"T T F\"\nSi 0 0 0\n", 2, "periodic flags pbc=\"T T F\" without a Lattice");
    // unknown species
    require_parse_error(ok_head + "Si 0 0 0\nXx 1 1 1\n", 4, "unknown chemical symbol 'Xx' for atom 1");
    // bad atom count lines
    require_parse_error("two\nenergy=1\n", 1, "expected the number of atoms");
    require_parse_error("-1\nenergy=1\n", 1, "expected the number of atoms");
    require_parse_error("3 atoms\nenergy=1\n", 1, "found '3 atoms'");
    require_parse_error(std::string(kSi2) + "1.5\n\nH 0 0 0\n", 5, "expected the number of atoms");
    require_parse_error(std::string(kSi2) + "\n1\n\nH 0 0 0\n", 6, "blank line 5 between frames");
    // malformed Properties
    require_parse_error("1\nProperties=species:S:1:pos:R\nSi 0 0 0\n", 2, "not a multiple of 3");
    require_parse_error("1\nProperties=species:S:1:pos:Q:3\nSi 0 0 0\n", 2, "has type 'Q'");
    require_parse_error("1\nProperties=species:S:1:pos:R:x\nSi 0 0 0\n", 2, "has column count 'x'");
    require_parse_error("1\nProperties=species:S:1:pos:R:0\nSi 0 0 0\n", 2, "has column count '0'");
    require_parse_error("1\nProperties=species:S:1:pos:R:2\nSi 0 0\n", 2, "column 'pos' must be pos:R:3");
    require_parse_error("1\nProperties=species:S:1:forces:R:3\nSi 0 0 0\n", 2, "needs species:S:1 (or Z:I:1) and pos:R:3");
    require_parse_error("1\nProperties=species:S:1:pos:R:3:pos:R:3\nSi 0 0 0 0 0 0\n", 2, "appears twice");
    // malformed comment line
    require_parse_error("1\nLattice=\"1 0 0 0 1 0 0 0\"\nSi 0 0 0\n", 2, "is not 9 numbers");
    require_parse_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nSi 0 0 0\n", 2, "is not three logicals");
    require_parse_error("1\nenergy=\"1.0\nSi 0 0 0\n", 2, "unterminated quote");
    require_parse_error("1\n=5\nSi 0 0 0\n", 2, "'=' without a key");
    // a degenerate lattice, found by Structure::validate, still names file and line
    require_parse_error("1\nLattice=\"1 0 0 2 0 0 0 0 1\"\nSi 0 0 0\n", 1, "linearly dependent");
}

TEST_CASE("extxyz: a huge atom count in a short file is an error, not an allocation", "[extxyz]") {
    require_parse_error("2000000000\n\nSi 0 0 0\n", 4, "file ends after 1 of the 2000000000 atom lines");
    require_parse_error("99999999999\n\nSi 0 0 0\n", 1, "expected the number of atoms");
}
