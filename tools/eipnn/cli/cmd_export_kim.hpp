// `eipnn export-kim --model CKPT --name NAME --out DIR`: a trained model as two OpenKIM items,
//   DIR/eipnn_model_driver   the driver (kim/ of the source tree plus a copy of the eipnn headers,
//                            since kim-api-collections-management builds an item from its folder alone)
//   DIR/NAME                 a portable model: the driver's name, the checkpoint as its parameter file
// installed with `kim-api-collections-management install <collection> DIR/eipnn_model_driver`,
// then `... DIR/NAME`; LAMMPS then runs the model as `pair_style kim NAME` (README, OpenKIM).
// --compress (SchNet): the parameter file is the checkpoint plus the record
// inference.filter_table_spacing (nn/compress.hpp), and the driver tabulates the filters when it
// loads the model (kim/driver_model.hpp); without it the checkpoint is copied byte for byte.
#pragma once
#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

#include "cli/resources.hpp"
#include "eipnn/geometry/elements.hpp"
#include "eipnn/nn/compress.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"

namespace eipnn::cli {

// The driver's item name: its project() in kim/CMakeLists.txt, the DRIVER_NAME of every model.
inline constexpr const char* kKimDriverName = "eipnn_model_driver";

// Where the driver's sources are: the folder "kim-driver" beside the tool's scripts (script_dirs():
// $EIPNN_SCRIPT_DIR, else <bin>/../share/eipnn). tools/eipnn/CMakeLists.txt puts kim/ and a copy of
// include/eipnn there, at install time under <prefix>/share/eipnn/kim-driver and in the build tree
// as a mirror under <build>/share/eipnn/kim-driver, so both the installed and the build-tree tool
// find it. Empty when none of the places holds it.
inline fs::path find_kim_driver_sources() {
    for (const fs::path& d : script_dirs()) {
        std::error_code ec;
        const fs::path k = d / "kim-driver";
        if (fs::is_regular_file(k / "CMakeLists.txt", ec) && fs::is_directory(k / "include" / "eipnn", ec)) return k;
    }
    return {};
}

struct ExportKimOptions {
    std::string model, name, out;
    bool compress = false;
    double table_spacing = 0;  // Å; 0 = the model's default
};

// KIM item names are C identifiers (kim-api-items-macros.cmake refuses anything else).
inline bool is_c_identifier(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

inline void write_text(const fs::path& file, const std::string& text) {
    std::ofstream f(file);
    f << text;
    if (!f) throw Error("cannot write the file", file.string(), "check that the folder is writable");
}

inline void run_export_kim(const ExportKimOptions& o) {
    const char* where = "eipnn export-kim";
    if (!is_c_identifier(o.name))
        throw Error(str("--name '", o.name, "' is not a KIM item name"), where,
                    "use letters, digits and '_', not starting with a digit, e.g. SchNet_Si");
    if (o.name == kKimDriverName) throw Error(str("--name '", o.name, "' is the driver's name"), where, "choose another");
    // read it as the driver will, so a broken checkpoint fails here and not inside LAMMPS
    const Checkpoint ckpt = read_checkpoint(o.model);
    std::string kind, elements;
    FilterCompression compression;
    if (!o.compress && o.table_spacing != 0)
        throw Error("--table-spacing needs --compress", where, "add --compress, or drop --table-spacing");
    with_model_kind<double>(stored_model_kind(ckpt, o.model), [&](auto* tag) {
        using Model = std::remove_pointer_t<decltype(tag)>;
        Model m = model_from_checkpoint<Model>(ckpt, o.model);
        kind = Model::kind;
        for (int z : m.config.species) elements += str(elements.empty() ? "" : " ", element_symbol(z));
        // built here once as the driver will (a kind without tables fails here, not in LAMMPS)
        if (o.compress) compression = compress_model_filters(m, Host{}, o.table_spacing, "eipnn export-kim --compress");
    }, o.model);
    const fs::path sources = find_kim_driver_sources();
    if (sources.empty()) {
        std::string looked;
        for (const fs::path& d : script_dirs()) looked += (looked.empty() ? "" : ", ") + (d / "kim-driver").string();
        throw Error("the KIM driver's sources were not found", str("looked in: ", looked.empty() ? "nowhere" : looked),
                    "set EIPNN_SCRIPT_DIR to the folder that holds kim-driver/ (share/eipnn of an installed eipnn)");
    }
    const fs::path out(o.out), driver = out / kKimDriverName, model = out / o.name;
    fs::create_directories(out);
    fs::remove_all(driver);  // an older export's files must not linger in the item
    fs::copy(sources, driver, fs::copy_options::recursive);
    fs::remove_all(model);
    fs::create_directories(model);
    const std::string param = o.name + ".ckpt";
    if (o.compress) {
        Checkpoint c = ckpt;
        c.arrays[kFilterTableSpacingRecord] = {compression.spacing};
        write_checkpoint(model / param, c);
    } else {
        fs::copy_file(o.model, model / param);
    }
    write_text(model / "CMakeLists.txt",
               str("# An eipnn ", kind, " model (", elements, ") as a KIM portable model, written by eipnn export-kim.\n",
                   "cmake_minimum_required(VERSION 3.10)\n\n",
                   "list(APPEND CMAKE_PREFIX_PATH $ENV{KIM_API_CMAKE_PREFIX_DIR})\n",
                   "find_package(KIM-API-ITEMS 2.2 REQUIRED CONFIG)\n\n",
                   "kim_api_items_setup_before_project(ITEM_TYPE \"portableModel\")\n", "project(", o.name, ")\n",
                   "kim_api_items_setup_after_project(ITEM_TYPE \"portableModel\")\n\n", "add_kim_api_model_library(\n",
                   "  NAME            ${PROJECT_NAME}\n", "  DRIVER_NAME     \"", kKimDriverName, "\"\n",
                   "  PARAMETER_FILES \"", param, "\"\n", "  )\n"));
    std::printf("exported %s model %s (%s) to %s:\n  %s (driver)\n  %s (portable model)\n", kind.c_str(), o.name.c_str(),
                elements.c_str(), out.string().c_str(), driver.string().c_str(), model.string().c_str());
    if (o.compress)
        std::printf("compressed filters: the driver tabulates %ld filter networks at %.5f Å (%ld nodes, %.2f MB, "
                    "%.1f ms here)\n",
                    long(compression.n_tables), compression.spacing, long(compression.n_nodes),
                    double(compression.bytes) / 1e6, compression.build_ms);
    std::printf("install (driver first), e.g. into the collection named by KIM_API_MODEL_DRIVERS_DIR /\n"
                "KIM_API_PORTABLE_MODELS_DIR:\n"
                "  kim-api-collections-management install environment %s\n"
                "  kim-api-collections-management install environment %s\n"
                "then in LAMMPS (units metal): pair_style kim %s / pair_coeff * * %s\n",
                driver.string().c_str(), model.string().c_str(), o.name.c_str(), elements.c_str());
}

inline void add_export_kim_command(CLI::App& app) {
    auto o = std::make_shared<ExportKimOptions>();
    CLI::App* cmd = app.add_subcommand("export-kim", "a trained model as OpenKIM items (driver + portable model) for LAMMPS");
    cmd->add_option("--model", o->model, "checkpoint written by eipnn train or eipnn reproduce (any model kind)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--name", o->name, "the portable model's KIM name (a C identifier), e.g. SchNet_Si")->required();
    cmd->add_option("--out", o->out, "folder for the two item folders")->required();
    cmd->add_flag("--compress", o->compress,
                  "SchNet: the driver runs the filters as tables over distance (cubic Hermite), built at load");
    cmd->add_option("--table-spacing", o->table_spacing,
                    "with --compress: the tables' grid spacing in Å (0 = default, 1/8 of the Gaussians' width)");
    cmd->callback([o]() { run_export_kim(*o); });
}

}  // namespace eipnn::cli
