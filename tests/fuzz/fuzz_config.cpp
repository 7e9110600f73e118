// libFuzzer target for the configuration files of `eipnn train --config FILE` (CLI11's TOML/INI
// reader behind set_config), run by tests/fuzz/run_fuzzer.sh. It builds the tool's app exactly as
// tools/eipnn/cli/main.cpp does, removes every subcommand's callback (the fuzzer checks parsing,
// it must not train), writes the input to a file and parses `eipnn train --config FILE`.
// CLI::ParseError (unknown key, bad value, missing --train) and eipnn::Error are rejections;
// anything else leaving the parser is a bug. The file lives in memory-backed /dev/shm when the
// machine has it, one per fuzzing process.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "cli/cmd_eval.hpp"
#include "cli/cmd_label.hpp"
#include "cli/cmd_pool.hpp"
#include "cli/cmd_reproduce.hpp"
#include "cli/cmd_train.hpp"
#include "fuzz_support.hpp"

namespace {

// The file the input is written to, removed when the fuzzer exits normally (a crash leaves it for
// the reproduction). One object owns both, so the path outlives its removal.
struct ConfigFile {
    std::string path;
    ConfigFile() {
        const std::filesystem::path shm = "/dev/shm";
        const std::filesystem::path dir = std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
        path = (dir / ("eipnn-fuzz-config-" + std::to_string(::getpid()) + ".toml")).string();
    }
    ~ConfigFile() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ConfigFile file;
    {
        std::ofstream out(file.path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
        if (!out) eipnn::fuzz::fail("fuzz_config", "cannot write " + file.path);
    }
    // Built once: constructing the five subcommands' options costs far more than parsing a file,
    // and clear() resets every parse result between inputs (CLI11 supports repeated parses).
    static CLI::App& app = *[] {
        auto* a = new CLI::App{"eipnn: empirical interatomic potentials and neural networks that learn from them"};
        a->require_subcommand(1);
        eipnn::cli::add_pool_command(*a);
        eipnn::cli::add_train_command(*a);
        eipnn::cli::add_eval_command(*a);
        eipnn::cli::add_label_command(*a);
        eipnn::cli::add_reproduce_command(*a);
        for (CLI::App* sub : a->get_subcommands([](CLI::App*) { return true; })) {
            sub->final_callback(nullptr);
            sub->parse_complete_callback(nullptr);
        }
        return a;
    }();
    app.clear();
    const char* argv[] = {"eipnn", "train", "--config", file.path.c_str()};
    try {
        app.parse(4, argv);
    } catch (const CLI::ParseError&) {
    } catch (const eipnn::Error&) {
    }
    return 0;
}
