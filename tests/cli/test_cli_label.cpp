// `eipnn label` and `eipnn pool`, run as a user runs them: the built tool on a small generated
// extxyz. Checks what the tool writes against the library's own evaluation, the per-index error
// report of --on-error skip / stop, and that a failed run leaves no half-written output.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"
#include "cli/cli_support.hpp"
#include "support/structures.hpp"
#include "support/test_support.hpp"

using namespace eipnn;
using namespace eipnn::test::cli;
namespace fs = std::filesystem;

namespace {

// Four small silicon configurations; configuration 2 holds a Ge atom, which Si.sw cannot handle.
std::vector<Structure> configurations() {
    std::vector<Structure> out;
    Structure a = test::diamond(5.431);
    test::rattle(a, 0.1, 1);
    out.push_back(a);
    Structure b = test::diamond(5.431, 2, 1, 1);
    test::rattle(b, 0.1, 2);
    out.push_back(b);
    Structure c = test::diamond(5.431);
    c.numbers[5] = 32;
    out.push_back(c);
    out.push_back(test::random_triclinic(12, 6.0, 8.0, 50, 80, 3));
    return out;
}

fs::path write_input(const fs::path& dir) {
    const fs::path in = dir / "in.extxyz";
    ExtxyzWriter w(in);
    for (const Structure& s : configurations()) {
        Frame f;
        f.structure = s;
        f.set_info("config_type", "test");
        w.write(f);
    }
    w.close();
    return in;
}

}  // namespace

TEST_CASE("eipnn label writes the library's energies, forces and virials", "[cli][label][eip]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    potential_file_or_skip("Si.tersoff");
    const fs::path dir = test::scratch_dir("cli_label_values");
    const fs::path in = write_input(dir), out = dir / "out.extxyz", err = dir / "err.txt";
    REQUIRE(run_tool(tool, "label --in '" + in.string() + "' --out '" + out.string() +
                               "' --eip SW=sw:Si.sw --eip T2=tersoff:Si.tersoff --on-error skip",
                     err) == 0);
    // configuration 2 is reported by its index and dropped; the others are written in order
    const std::string log = slurp(err);
    CHECK_THAT(log, Catch::Contains("configuration 2") && Catch::Contains("atom 5 is Ge"));
    CHECK_THAT(log, Catch::Contains("3 written, 1 skipped"));
    CHECK_FALSE(fs::exists(out.string() + ".tmp"));
    const std::vector<Frame> frames = read_all(out);
    REQUIRE(frames.size() == 3);
    const std::vector<Structure> expect = configurations();
    const std::size_t source_index[3] = {0, 1, 3};
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const Frame& f = frames[k];
        INFO("output frame " << k);
        CHECK(f.info_string("config_type") == "test");  // input info is kept
        for (const char* spec : {"SW=sw:Si.sw", "T2=tersoff:Si.tersoff"}) {
            const PotentialSpec ps = parse_potential_spec(spec);
            // the library on the structure as read back (positions round-trip exactly: shortest
            // round-trip number formatting), so the values agree to round-off (agrees_to_roundoff
            // says why not to the last bit)
            const EipResult<double> r = make_potential(ps)->compute(f.structure);
            CHECK(f.structure.positions == expect[source_index[k]].positions);
            CHECK(agrees_to_roundoff({f.info_real("energy_" + ps.name)}, {r.energy}));
            CHECK(agrees_to_roundoff(f.column_real("forces_" + ps.name), r.forces));
            CHECK(agrees_to_roundoff(f.info_reals("virial_" + ps.name), std::vector<double>(r.virial.begin(), r.virial.end())));
        }
    }
}

TEST_CASE("eipnn label --on-error stop ends the run and leaves the output untouched", "[cli][label][eip]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_label_stop");
    const fs::path in = write_input(dir), out = dir / "out.extxyz", err = dir / "err.txt";
    {
        std::ofstream old(out);
        old << "previous content\n";
    }
    CHECK(run_tool(tool, "label --in '" + in.string() + "' --out '" + out.string() + "' --eip SW=sw:Si.sw --on-error stop",
                   err) != 0);
    const std::string log = slurp(err);
    CHECK_THAT(log, Catch::Contains("configuration 2") && Catch::Contains("atom 5 is Ge") &&
                        Catch::Contains("--on-error skip"));
    CHECK(slurp(out) == "previous content\n");   // destination not replaced by a partial file
    CHECK_FALSE(fs::exists(out.string() + ".tmp"));  // and no partial temporary left behind
    // the default is stop
    fs::remove(out);
    CHECK(run_tool(tool, "label --in '" + in.string() + "' --out '" + out.string() + "' --eip SW=sw:Si.sw", err) != 0);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(out.string() + ".tmp"));
}

TEST_CASE("eipnn label rejects bad specs before reading anything", "[cli][label][eip]") {
    const fs::path tool = tool_or_skip();
    const fs::path dir = test::scratch_dir("cli_label_specs");
    const fs::path in = write_input(dir), out = dir / "out.extxyz", err = dir / "err.txt";
    CHECK(run_tool(tool, "label --in '" + in.string() + "' --out '" + out.string() + "' --eip X=nosuchstyle:foo", err) == 1);
    CHECK_THAT(slurp(err), Catch::Contains("unknown style 'nosuchstyle'"));
    CHECK(run_tool(tool, "label --in '" + in.string() + "' --out '" + out.string() + "' --eip X=sw:no_such_file.sw", err) == 1);
    CHECK_THAT(slurp(err), Catch::Contains("no_such_file.sw") && Catch::Contains("not found"));
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("eipnn pool writes a reproducible pool that eipnn label can label", "[cli][pool][label]") {
    const fs::path tool = tool_or_skip();
    potential_file_or_skip("Si.sw");
    const fs::path dir = test::scratch_dir("cli_pool");
    const fs::path pool = dir / "pool.extxyz", again = dir / "again.extxyz", out = dir / "labelled.extxyz",
                   err = dir / "err.txt";
    const std::string args = " --element Si --count 6 --seed 7 --min-atoms 8 --max-atoms 16";
    REQUIRE(run_tool(tool, "pool --out '" + pool.string() + "'" + args, err) == 0);
    REQUIRE(run_tool(tool, "pool --out '" + again.string() + "'" + args, err) == 0);
    CHECK(slurp(pool) == slurp(again));  // same seed, same pool
    const std::vector<Frame> frames = read_all(pool);
    REQUIRE(frames.size() == 6);
    for (const Frame& f : frames) {
        CHECK(f.structure.size() >= 8);
        CHECK(f.structure.size() <= 16);
        CHECK(f.has_info("config_type"));
    }
    REQUIRE(run_tool(tool, "label --in '" + pool.string() + "' --out '" + out.string() + "' --eip SW=sw:Si.sw", err) == 0);
    const std::vector<Frame> labelled = read_all(out);
    REQUIRE(labelled.size() == 6);
    const auto sw = make_potential("SW=sw:Si.sw");
    for (const Frame& f : labelled) CHECK(agrees_to_roundoff({f.info_real("energy_SW")}, {sw->compute(f.structure).energy}));
}
