// `eipnn label --in IN.extxyz --out OUT.extxyz --eip NAME=STYLE:SOURCE [--eip ...]`: evaluates
// every configuration with each EIP and writes info energy_NAME (eV), per-atom forces_NAME (eV/Å)
// and info virial_NAME (eV, 9 components, row-major). Streams one frame at a time, so memory does
// not grow with the file. A configuration an EIP cannot handle (element not covered, overlapping
// atoms, non-finite result) is reported by index; --on-error skip drops it, stop ends the run.
// Under mpirun the configurations are spread over the ranks (run_label). --device cuda evaluates
// the EIPs on a GPU (cli/device.hpp).
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "eipnn/eip/registry.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/parallel/collective_error.hpp"
#include "eipnn/parallel/ordered_records.hpp"

namespace eipnn::cli {

struct LabelOptions {
    std::string in, out, on_error = "stop", device = "cpu";
    std::vector<std::string> eips;
    int threads = 0;
};

struct LabelPotential {
    std::string name;
    std::unique_ptr<Potential> pot;
    std::unique_ptr<DeviceEip> on_device;  // --device cuda
};

// Labels one frame in place with every EIP; returns "" or what went wrong (then the frame is unusable).
inline std::string label_frame(Frame& f, std::size_t index, const std::vector<LabelPotential>& pots, const Host& host) {
    for (const auto& p : pots) {
        try {
            EipResult<double> r;
            if (p.on_device) {
                p.on_device->compute(f.structure, r);
            } else {
                const NeighborList nl = build_neighbor_list(f.structure, p.pot->cutoff(), {}, host);
                p.pot->compute(f.structure, nl, host, r);
            }
            bool finite = std::isfinite(r.energy);
            for (double x : r.forces) finite = finite && std::isfinite(x);
            if (!finite) throw Error("the energy or a force is not finite", p.name, "check the configuration");
            f.set_info("energy_" + p.name, InfoValue::reals_of({r.energy}));
            f.set_column("forces_" + p.name, r.forces, 3);
            f.set_info("virial_" + p.name, InfoValue::reals_of(std::vector<double>(r.virial.begin(), r.virial.end())));
        } catch (const Error& e) {
            return str("configuration ", index, " (", f.source, "), EIP ", p.name, ": ", e.what());
        }
    }
    return "";
}

// Under mpirun the frames are labelled round-robin over the ranks, a round of kRound frames per
// rank at a time, and rank 0 writes them in input order: the output is the single-process output
// byte for byte. A stop on error is decided by rank 0 (the first failing frame in input order) and
// broadcast, so every rank stops with the same message.
inline int run_label(const LabelOptions& o) {
    const Communicator comm = Communicator::world();
    std::vector<LabelPotential> pots;
    if (o.threads < 0) throw Error(str("--threads ", o.threads, " is negative"), "eipnn label", "0 uses all cores");
    require_device(o.device, "eipnn label", true);
    for (const auto& spec : o.eips) {
        PotentialSpec ps = parse_potential_spec(spec);
        for (const auto& p : pots)
            if (p.name == ps.name) throw Error(str("the name '", ps.name, "' is used twice"), "--eip " + spec);
        pots.push_back({ps.name, make_potential(ps), nullptr});
#if defined(EIPNN_TOOL_CUDA)
        if (o.device == "cuda") pots.back().on_device = make_device_eip(*pots.back().pot);
#endif
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
    std::unique_ptr<ExtxyzWriter> out;  // rank 0 writes; OUT.tmp renamed at the end
    std::unique_ptr<Progress> progress;
    if (comm.root()) {
        out = std::make_unique<ExtxyzWriter>(o.out);
        progress = std::make_unique<Progress>("label", total);
    }
    const Host host{o.threads};
    constexpr std::size_t kRound = 16;  // frames per rank between two gathers: bounds memory
    const std::size_t round = kRound * std::size_t(comm.size());
    Frame f;
    std::size_t index = 0, written = 0, skipped = 0;
    bool more = true;
    while (more) {
        const std::size_t first = index;
        std::vector<Record> mine;
        while (index < first + round && (more = reader.next(f))) {
            if (owner_of(index, comm) == comm.rank()) {
                const std::string error = label_frame(f, index, pots, host);
                if (error.empty()) {
                    std::ostringstream text;
                    write_extxyz_frame(text, f, str(o.out, " frame ", index));
                    mine.push_back({'w', text.str()});
                } else {
                    mine.push_back({o.on_error == "stop" ? 'e' : 's', error});
                    if (o.on_error != "stop") std::cerr << "\neipnn label: skipped " << error << "\n";
                }
            }
            ++index;
        }
        std::string stop;  // rank 0: the first error of the round, broadcast to all
        for (const Record& r : gather_in_order(comm, mine, first, index - first)) {
            if (r.kind == 'e') {
                stop = r.text;
                break;
            }
            if (r.kind == 'w') {
                out->write_serialized(r.text);
                ++written;
            } else {
                ++skipped;
            }
        }
        comm.broadcast(stop);
        if (!stop.empty()) throw CollectiveError(stop, "eipnn label", "use --on-error skip to drop such configurations");
        if (progress) progress->update(index);
    }
    if (out) out->close();
    if (progress) progress->finish(str(written, " written, ", skipped, " skipped"));
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
    add_device_option(cmd, o->device);
    cmd->callback([o] { run_label(*o); });
}

}  // namespace eipnn::cli
