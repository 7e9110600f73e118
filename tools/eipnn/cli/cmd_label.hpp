// `eipnn label --in IN.extxyz --out OUT.extxyz --eip NAME=STYLE:SOURCE [--eip ...]`: evaluates
// every configuration with each EIP and writes info energy_NAME (eV), per-atom forces_NAME (eV/Å)
// and info virial_NAME (eV, 9 components, row-major). Streams one frame at a time, so memory does
// not grow with the file. A configuration an EIP cannot handle (element not covered, overlapping
// atoms, non-finite result) is reported by index; --on-error skip drops it, stop ends the run.
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"

namespace eipnn::cli {

struct LabelOptions {
    std::string in, out, on_error = "stop";
    std::vector<std::string> eips;
    int threads = 0;
};

inline int run_label(const LabelOptions& o) {
    struct Named {
        std::string name;
        std::unique_ptr<Potential> pot;
    };
    std::vector<Named> pots;
    if (o.threads < 0) throw Error(str("--threads ", o.threads, " is negative"), "eipnn label", "0 uses all cores");
    for (const auto& spec : o.eips) {
        PotentialSpec ps = parse_potential_spec(spec);
        for (const auto& p : pots)
            if (p.name == ps.name) throw Error(str("the name '", ps.name, "' is used twice"), "--eip " + spec);
        pots.push_back({ps.name, make_potential(ps)});
    }
    // count frames first (cheap: one pass over the lines) so the progress bar has a total
    std::size_t total = 0;
    {
        ExtxyzReader counter(o.in);
        Frame f;
        while (counter.next(f)) ++total;
    }
    // an empty input would give an empty output that looks like success
    if (total == 0) throw Error("no configurations", o.in, "check the file: it holds no frame");
    ExtxyzReader reader(o.in);
    ExtxyzWriter writer(o.out);
    Progress progress("label", total);
    const Host host{o.threads};
    Frame f;
    std::size_t index = 0, written = 0, skipped = 0;
    while (reader.next(f)) {
        bool ok = true;
        for (const auto& p : pots) {
            try {
                const NeighborList nl = build_neighbor_list(f.structure, p.pot->cutoff(), {}, host);
                EipResult<double> r;
                p.pot->compute(f.structure, nl, host, r);
                bool finite = std::isfinite(r.energy);
                for (double x : r.forces) finite = finite && std::isfinite(x);
                if (!finite) throw Error("the energy or a force is not finite", p.name, "check the configuration");
                f.set_info("energy_" + p.name, InfoValue::reals_of({r.energy}));
                f.set_column("forces_" + p.name, r.forces, 3);
                f.set_info("virial_" + p.name, InfoValue::reals_of(std::vector<double>(r.virial.begin(), r.virial.end())));
            } catch (const Error& e) {
                const std::string msg = str("configuration ", index, " (", f.source, "), EIP ", p.name, ": ", e.what());
                if (o.on_error == "stop") throw Error(msg, "eipnn label", "use --on-error skip to drop such configurations");
                std::cerr << "\neipnn label: skipped " << msg << "\n";
                ok = false;
                break;
            }
        }
        if (ok) {
            writer.write(f);
            ++written;
        } else {
            ++skipped;
        }
        progress.update(++index);
    }
    writer.close();
    progress.finish(str(written, " written, ", skipped, " skipped"));
    return 0;
}

inline void add_label_command(CLI::App& app) {
    auto o = std::make_shared<LabelOptions>();
    CLI::App* cmd = app.add_subcommand("label", "label every configuration of an extxyz file with empirical potentials");
    cmd->add_option("--in", o->in, "input extxyz")->required();
    cmd->add_option("--out", o->out, "output extxyz (written to OUT.tmp, renamed at the end)")->required();
    cmd->add_option("--eip", o->eips,
                    "NAME=STYLE:SOURCE[:Si=Si(C)...], e.g. T3=tersoff:SiCGe.tersoff:Si=Si(C); repeatable")
        ->required();
    cmd->add_option("--on-error", o->on_error, "a configuration an EIP cannot handle: skip it or stop")
        ->check(CLI::IsMember({"skip", "stop"}));
    cmd->add_option("--threads", o->threads, "threads (0 = all)");
    cmd->callback([o] { run_label(*o); });
}

}  // namespace eipnn::cli
