// `eipnn`: the command-line face of the library. Each subcommand lives in its own cmd_*.hpp and
// registers itself here; errors from the library are printed as one clear line, exit code 1.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cmd_eval.hpp"
#include "cli/cmd_export_kim.hpp"
#include "cli/cmd_label.hpp"
#include "cli/cmd_pool.hpp"
#include "cli/cmd_reproduce.hpp"
#include "cli/cmd_train.hpp"
#include "eipnn/core/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{"eipnn: empirical interatomic potentials and neural networks that learn from them"};
    app.require_subcommand(1);
    eipnn::cli::add_pool_command(app);
    eipnn::cli::add_train_command(app);
    eipnn::cli::add_eval_command(app);
    eipnn::cli::add_label_command(app);
    eipnn::cli::add_reproduce_command(app);
    eipnn::cli::add_export_kim_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const eipnn::Error& e) {
        std::cerr << "eipnn: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "eipnn: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
