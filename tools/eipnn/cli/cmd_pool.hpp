// `eipnn pool`: writes the unlabelled pool of METHOD.md as extxyz (info: config_type = prototype,
// pool_source, pool_index, md_temperature).
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>

#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/train/pool.hpp"

namespace eipnn::cli {

// The largest pool the tool writes: 700 times the paper's 14000, already ~10^10 bytes of extxyz
// at the default sizes. CLI11 reads "--count -1" into the unsigned count as 2^64-1, and a typo
// of a few extra digits would otherwise fill the disk for hours before anyone noticed.
inline constexpr std::size_t kMaxPoolCount = 10'000'000;
// Supercells up to this many atoms; a pool of larger ones is not what this command is for.
inline constexpr int kMaxPoolAtoms = 100'000;

// Every flag checked before the output file is created, so a bad one leaves nothing behind.
inline void validate_pool_options(std::size_t count, int min_atoms, int max_atoms, double strain, double shear,
                                  double rattle, double md_fraction, int md_steps, double md_timestep, double md_tmin,
                                  double md_tmax) {
    const char* where = "eipnn pool";
    if (count < 1 || count > kMaxPoolCount)
        throw Error(str("--count must be from 1 to ", kMaxPoolCount, ", got ", count == std::size_t(-1) ? std::string("-1") : str(count)),
                    where, "the paper's pool has 14000 configurations");
    if (min_atoms < 1 || max_atoms < min_atoms || max_atoms > kMaxPoolAtoms)
        throw Error(str("--min-atoms ", min_atoms, " --max-atoms ", max_atoms, " is not a range within 1..", kMaxPoolAtoms), where,
                    "give 1 <= min <= max, e.g. --min-atoms 8 --max-atoms 64");
    // a strain of 1 or more collapses or inverts the cell
    if (!(strain >= 0 && strain < 1) || !(shear >= 0 && shear < 1))
        throw Error(str("--strain ", strain, " / --shear ", shear, " must be in [0, 1)"), where, "the defaults are 0.08 and 0.04");
    if (!(rattle >= 0) || !std::isfinite(rattle)) throw Error(str("--rattle ", rattle, " must be a finite number >= 0"), where);
    if (!(md_fraction >= 0 && md_fraction <= 1)) throw Error(str("--md-fraction ", md_fraction, " must be in [0, 1]"), where);
    if (md_steps < 0) throw Error(str("--md-steps ", md_steps, " is negative"), where);
    if (!(md_timestep > 0) || !std::isfinite(md_timestep))
        throw Error(str("--md-timestep ", md_timestep, " must be a positive number of ps"), where);
    if (!(md_tmin >= 0) || !(md_tmax >= md_tmin) || !std::isfinite(md_tmax))
        throw Error(str("--md-tmin ", md_tmin, " --md-tmax ", md_tmax, " is not a temperature range"), where, "give 0 <= tmin <= tmax, K");
}

inline void add_pool_command(CLI::App& app) {
    struct Options {
        std::string element = "Si", out;
        std::size_t count = 14000;
        std::uint64_t seed = 42;
        int min_atoms = 8, max_atoms = 64;
        double strain = 0.08, shear = 0.04, rattle = 0.12;
        std::vector<std::string> prototypes;
        double md_fraction = 0, md_tmin = 300, md_tmax = 2000, md_timestep = 1e-3;
        int md_steps = 100;
        std::string md_eip, device = "cpu";
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("pool", "generate the unlabelled pool: strained, rattled crystal prototypes");
    cmd->add_option("--element", opt->element, "Si, Ge or Mo (sets bond length and prototypes)")->capture_default_str();
    cmd->add_option("--out", opt->out, "output extxyz file")->required();
    cmd->add_option("--count", opt->count, "number of configurations (the paper: 14000)")->capture_default_str();
    cmd->add_option("--seed", opt->seed, "random seed; configuration k depends only on (seed, k)")->capture_default_str();
    cmd->add_option("--min-atoms", opt->min_atoms, "smallest supercell")->capture_default_str();
    cmd->add_option("--max-atoms", opt->max_atoms, "largest supercell")->capture_default_str();
    cmd->add_option("--strain", opt->strain, "volumetric strain range (+-)")->capture_default_str();
    cmd->add_option("--shear", opt->shear, "shear strain range (+-)")->capture_default_str();
    cmd->add_option("--rattle", opt->rattle, "largest displacement sigma, Å")->capture_default_str();
    cmd->add_option("--prototypes", opt->prototypes, "override the element's prototype list");
    cmd->add_option("--md-fraction", opt->md_fraction, "fraction of configurations that end a short Langevin run")
        ->capture_default_str();
    cmd->add_option("--md-eip", opt->md_eip, "the EIP driving the MD, NAME=STYLE:SOURCE (e.g. SW=sw:Si.sw)");
    cmd->add_option("--md-steps", opt->md_steps, "MD steps per snapshot")->capture_default_str();
    cmd->add_option("--md-timestep", opt->md_timestep, "MD time step, ps")->capture_default_str();
    cmd->add_option("--md-tmin", opt->md_tmin, "lowest MD temperature, K")->capture_default_str();
    cmd->add_option("--md-tmax", opt->md_tmax, "highest MD temperature, K")->capture_default_str();
    add_device_option(cmd, opt->device);
    cmd->callback([opt]() {
        require_device(opt->device, "eipnn pool", false,
                       "its MD cells have a few hundred atoms at most, too few for a GPU to pay for its kernel "
                       "launches");
        validate_pool_options(opt->count, opt->min_atoms, opt->max_atoms, opt->strain, opt->shear, opt->rattle,
                              opt->md_fraction, opt->md_steps, opt->md_timestep, opt->md_tmin, opt->md_tmax);
        PoolConfig c = default_pool_config(opt->element);
        c.seed = opt->seed;
        c.min_atoms = opt->min_atoms;
        c.max_atoms = opt->max_atoms;
        c.volumetric_strain = opt->strain;
        c.shear_strain = opt->shear;
        c.rattle_max = opt->rattle;
        if (!opt->prototypes.empty()) c.prototypes = opt->prototypes;
        c.md_fraction = opt->md_fraction;
        c.md_steps = opt->md_steps;
        c.md_timestep = opt->md_timestep;
        c.md_temperature_min = opt->md_tmin;
        c.md_temperature_max = opt->md_tmax;
        std::unique_ptr<Potential> md_potential;
        if (c.md_fraction > 0) {
            if (opt->md_eip.empty()) throw Error("--md-fraction needs --md-eip", "eipnn pool", "e.g. --md-eip SW=sw:Si.sw");
            md_potential = make_potential(opt->md_eip);
        }
        for (const auto& p : c.prototypes) prototype(p);  // fail before writing anything
        ExtxyzWriter writer(opt->out);
        Progress progress("pool " + opt->element, opt->count);
        for (std::size_t k = 0; k < opt->count; ++k) {
            PoolItem item = make_pool_item(c, k, md_potential.get());
            Frame f;
            f.structure = std::move(item.structure);
            f.set_info("config_type", item.prototype);
            f.set_info("pool_source", item.source);
            f.set_info("pool_index", std::int64_t(k));
            if (item.source == "md") f.set_info("md_temperature", item.temperature);
            writer.write(f);
            progress.update(k + 1);
        }
        writer.close();
        progress.finish("-> " + opt->out);
    });
}

}  // namespace eipnn::cli
