// Our extxyz reader and writer against ASE (Debian's python3-ase, nobody here wrote it):
// - every real mlearn file reads to exactly the doubles ASE reads (same decimal strings, both
//   correctly rounded), with the same cells, pbc, species, config_type, energies and forces;
// - our writer's output of those frames reads in ASE exactly as the original did;
// - hand-written frames exercising quoting, arrays, bool/int/string columns, partial pbc and
//   free clusters read the same in both, and files ASE writes read back here.
// The helper tests/reference/extxyz_ase.py dumps what ASE reads as JSON.
#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "eipnn/io/extxyz.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using nlohmann::json;

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs extxyz_ase.py; skips when ase is missing (the script exits 3).
void run_ase(const std::string& mode, const std::filesystem::path& in, const std::filesystem::path& out) {
    const std::string cmd = test::python() + " " + shell_quote((test::test_dir() / "reference" / "extxyz_ase.py").string()) +
                            " " + mode + " " + shell_quote(in.string()) + " " + shell_quote(out.string());
    const int status = test::run(cmd);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3 || code == 127) test::skip("ase is not available to " + test::python());
    REQUIRE(code == 0);
}

json ase_dump(const std::filesystem::path& in, const std::filesystem::path& out_json) {
    run_ase("dump", in, out_json);
    std::ifstream f(out_json);
    return json::parse(f);
}

double num(const json& j) {
    if (j.is_string()) {
        const std::string s = j.get<std::string>();
        if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
        FAIL("not a number in the ASE dump: " << s);
    }
    REQUIRE(j.is_number());
    return j.get<double>();
}

// Exactly equal doubles (nan equals nan): both sides parsed the same decimal text.
void require_exact(double ours, double ase) {
    if (std::isnan(ase)) {
        REQUIRE(std::isnan(ours));
        return;
    }
    REQUIRE(ours == ase);
    REQUIRE(std::signbit(ours) == std::signbit(ase));
}

void compare_info(const std::string& key, const InfoValue& v, const json& a) {
    INFO("info key " << key << ", ASE has " << a.dump());
    const bool scalar = !a.is_array();
    const std::size_t n = scalar ? 1 : a.size();
    switch (v.type) {
        case ExtxyzType::String:
            if (v.text.rfind("_JSON ", 0) == 0) {  // ASE decodes it; we keep the text
                REQUIRE(json::parse(v.text.substr(6)) == a);
                return;
            }
            REQUIRE(a.is_string());
            REQUIRE(v.text == a.get<std::string>());
            return;
        case ExtxyzType::Bool:
            REQUIRE(v.bools.size() == n);
            for (std::size_t k = 0; k < n; ++k) {
                const json& x = scalar ? a : a[k];
                REQUIRE(x.is_boolean());
                REQUIRE(bool(v.bools[k]) == x.get<bool>());
            }
            return;
        case ExtxyzType::Int:
            REQUIRE(v.ints.size() == n);
            for (std::size_t k = 0; k < n; ++k) {
                const json& x = scalar ? a : a[k];
                REQUIRE(x.is_number_integer());
                REQUIRE(v.ints[k] == x.get<std::int64_t>());
            }
            return;
        case ExtxyzType::Real:
            REQUIRE(v.reals.size() == n);
            for (std::size_t k = 0; k < n; ++k) {
                const json& x = scalar ? a : a[k];
                REQUIRE((x.is_number_float() || x.is_string()));
                require_exact(v.reals[k], num(x));
            }
            return;
    }
}

void compare_column(const ExtxyzColumn& c, const json& a) {
    INFO("column " << c.name);
    REQUIRE(a.at("ncols").get<int>() == c.n_cols);
    const json& vals = a.at("values");
    REQUIRE(vals.size() == c.n_values());
    const std::string kind = a.at("kind").get<std::string>();
    for (std::size_t q = 0; q < vals.size(); ++q) switch (c.type) {
            case ExtxyzType::Real: REQUIRE(kind == "f"); require_exact(c.reals[q], num(vals[q])); break;
            case ExtxyzType::Int: REQUIRE(kind == "i"); REQUIRE(c.ints[q] == vals[q].get<std::int64_t>()); break;
            case ExtxyzType::Bool: REQUIRE(kind == "b"); REQUIRE(bool(c.bools[q]) == vals[q].get<bool>()); break;
            case ExtxyzType::String: REQUIRE(kind == "s"); REQUIRE(c.strings[q] == vals[q].get<std::string>()); break;
        }
}

// Every field of every frame as we read it equals what ASE read.
void compare_with_ase(const std::vector<Frame>& ours, const json& ase) {
    REQUIRE(ase.is_array());
    REQUIRE(ours.size() == ase.size());
    for (std::size_t k = 0; k < ours.size(); ++k) {
        INFO("frame " << k);
        const Frame& f = ours[k];
        const json& a = ase[k];
        const Structure& s = f.structure;
        REQUIRE(a.at("numbers").get<std::vector<int>>() == s.numbers);
        const json& pos = a.at("positions");
        REQUIRE(pos.size() == s.positions.size());
        for (std::size_t q = 0; q < pos.size(); ++q) require_exact(s.positions[q], num(pos[q]));
        const json& cell = a.at("cell");
        for (int q = 0; q < 9; ++q)
            require_exact(s.cell.has_lattice ? s.cell.lattice[q / 3][q % 3] : 0.0, num(cell[std::size_t(q)]));
        for (int d = 0; d < 3; ++d) REQUIRE(s.cell.pbc[d] == a.at("pbc")[std::size_t(d)].get<bool>());

        const json& info = a.at("info");
        REQUIRE(info.size() == f.info.size());
        for (const auto& kv : f.info) {
            REQUIRE(info.contains(kv.first));
            compare_info(kv.first, kv.second, info.at(kv.first));
        }
        const json& arrays = a.at("arrays");
        REQUIRE(arrays.size() == f.columns.size());
        for (const auto& c : f.columns) {
            REQUIRE(arrays.contains(c.name));
            compare_column(c, arrays.at(c.name));
        }
        // What ASE hands to its calculator (energy, forces) is the same data again.
        const json& calc = a.at("calc");
        if (calc.contains("energy")) require_exact(f.info_real("energy"), num(calc.at("energy")));
        if (calc.contains("forces")) {
            const auto& F = f.column_real("forces");
            const json& af = calc.at("forces");
            REQUIRE(af.size() == F.size());
            for (std::size_t q = 0; q < F.size(); ++q) require_exact(F[q], num(af[q]));
        }
    }
}

void check_real_data(const std::string& element) {
    const auto scratch = test::scratch_dir("extxyz_ase_" + element);
    for (const char* split : {"training", "test"}) {
        INFO("mlearn-" << element << "/" << split);
        const auto path = test::data_file_or_skip("mlearn-" + element + "/" + split + ".extxyz");
        const auto ours = read_extxyz(path);
        REQUIRE(!ours.empty());
        const json ase = ase_dump(path, scratch / (std::string(split) + ".ase.json"));
        compare_with_ase(ours, ase);
        // The data's own keys, spelled out (the generic comparison above covers them too).
        for (std::size_t k = 0; k < ours.size(); ++k) {
            REQUIRE(ours[k].info_string("config_type") == ase[k]["info"]["config_type"].get<std::string>());
            REQUIRE(ours[k].info_reals("virial_stress_kbar").size() == 6);
            REQUIRE(ours[k].column_real("forces").size() == 3 * std::size_t(ours[k].structure.size()));
            REQUIRE(ours[k].structure.cell.any_periodic());
        }

        // Our output reads in ASE exactly as the original file did, and back here unchanged.
        const auto written = scratch / (std::string(split) + ".ours.extxyz");
        write_extxyz(written, ours);
        const json ase_of_ours = ase_dump(written, scratch / (std::string(split) + ".ours.json"));
        REQUIRE(ase_of_ours == ase);
        compare_with_ase(read_extxyz(written), ase);
    }
}

// Frames written by hand: quoting, escapes, arrays, the three extra column types, Z, partial pbc,
// a free cluster, a Lattice without pbc. (Not here: True/False on the comment line, which ASE keeps
// as strings and we read as logicals; an empty quoted value, which ASE mis-splits.)
const char* kTricky =
    "3\n"
    "Lattice=\"5.0 0.1 0 0 5.0 0 0.2 0 7.5\" Properties=species:S:1:pos:R:3:tag:I:1:mask:L:3:label:S:1:forces:R:3 "
    "energy=-12.345678901234567 n_steps=42 converged=T flags=\"T F T\" ints=\"1 2 3\" reals=\"1.5 2 -3e-7\" "
    "bracket=[4, 5, 6] brace={7 8} name=\"hello world\" esc=\"a \\\"quoted\\\" word and \\\\ backslash\" "
    "single='it is' bare_flag json=\"_JSON {\\\"a\\\": 1}\" big=1e300 neg_zero=-0.0 uid=0042 pbc=\"T T F\"\n"
    "Si 0.0 0.0 0.0 7 T F T a 0.1 -0.2 0.3\n"
    "Ge 1.25 1.25 1.25 -3 F False True bb 1e-3 2.5e2 -0.0\n"
    "si 2.5 2.5 0.123456789012345678 12 True T F c_1 3 4 5\n"
    "2\n"
    "energy=-1.5 comment=\"free cluster\"\n"
    "H 0 0 0\n"
    "H 0 0 0.74\n"
    "1\n"
    "Lattice=\"3.1 0 0 0 3.1 0 0 0 3.1\" Properties=species:S:1:pos:R:3:Z:I:1\n"
    "Si 0.5 0.5 0.5 42\n";

}  // namespace

TEST_CASE("extxyz vs ASE: mlearn Si files read identically, and ASE reads our output identically",
          "[extxyz][ase][data]") {
    check_real_data("si");
}
TEST_CASE("extxyz vs ASE: mlearn Ge files read identically, and ASE reads our output identically",
          "[extxyz][ase][data]") {
    check_real_data("ge");
}
TEST_CASE("extxyz vs ASE: mlearn Mo files read identically, and ASE reads our output identically",
          "[extxyz][ase][data]") {
    check_real_data("mo");
}

TEST_CASE("extxyz vs ASE: quoting, arrays, typed columns, Z, partial pbc and clusters", "[extxyz][ase]") {
    const auto scratch = test::scratch_dir("extxyz_ase_tricky");
    const auto in = scratch / "tricky.extxyz";
    {
        std::ofstream out(in);
        out << kTricky;
    }
    const auto ours = read_extxyz(in);
    REQUIRE(ours.size() == 3);
    const json ase = ase_dump(in, scratch / "tricky.json");
    compare_with_ase(ours, ase);

    // Ours written, read by ASE: the same as ASE's reading of the original.
    const auto written = scratch / "ours.extxyz";
    write_extxyz(written, ours);
    REQUIRE(ase_dump(written, scratch / "ours.json") == ase);

    // ASE's own writing (columns as %16.8f, info as repr) reads here as ASE reads it.
    const auto by_ase = scratch / "by_ase.extxyz";
    run_ase("write", in, by_ase);
    compare_with_ase(read_extxyz(by_ase), ase_dump(by_ase, scratch / "by_ase.json"));
}
