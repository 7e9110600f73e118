// `eipnn eval`: energy, force and virial errors of a trained model of any kind (the checkpoint's
// model.kind picks it) on an extxyz file, overall and per config_type, as text or JSON; optionally
// the predictions as extxyz. --compress runs a SchNet through tabulated filters (nn/filter_table.hpp),
// to measure what inference with compressed filters (eipnn export-kim --compress) gives. --device
// cuda evaluates on a GPU (cli/device.hpp).
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "cli/device.hpp"
#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/compress.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_checkpoint.hpp"
#include "eipnn/train/stress_labels.hpp"
#include "eipnn/geometry/graph_batch.hpp"

namespace eipnn::cli {

struct ErrorSums {
    std::size_t configs = 0, force_components = 0, virial_components = 0, stress_components = 0;
    double e_abs = 0, e_sq = 0, e_abs_cfg = 0, e_sq_cfg = 0, f_abs = 0, f_sq = 0, v_abs = 0, v_sq = 0, s_abs = 0, s_sq = 0;

    void add_energy(double predicted, double label, index_t n_atoms) {
        const double d = predicted - label, per_atom = d / double(n_atoms);
        ++configs;
        e_abs += std::abs(per_atom);
        e_sq += per_atom * per_atom;
        e_abs_cfg += std::abs(d);
        e_sq_cfg += d * d;
    }
    void add_forces(const std::vector<double>& predicted, const std::vector<double>& label) {
        for (std::size_t k = 0; k < label.size(); ++k) {
            const double d = predicted[k] - label[k];
            f_abs += std::abs(d);
            f_sq += d * d;
            ++force_components;
        }
    }
    // virial (9 values, eV, row-major) against a frame's `virial` entry (ASE's convention: the
    // same W = -sum r (x) dE/dr); compared per atom, as energies are.
    void add_virial(const std::vector<double>& predicted, const std::vector<double>& label, index_t n_atoms,
                    const std::string& where) {
        if (label.size() != 9)
            throw Error(str("'virial' has ", label.size(), " values, need 9 (3x3)"), where, "write the full 3x3 virial");
        for (std::size_t k = 0; k < 9; ++k) {
            const double d = (predicted[k] - label[k]) / double(n_atoms);
            v_abs += std::abs(d);
            v_sq += d * d;
            ++virial_components;
        }
    }
    // stress sigma = -W/V (9 values, eV/Å^3) against a label converted by train/stress_labels.hpp;
    // errors in GPa
    void add_stress(const std::array<double, 9>& predicted, const std::array<double, 9>& label) {
        for (std::size_t k = 0; k < 9; ++k) {
            const double d = (predicted[k] - label[k]) * kEvPerA3InGPa;
            s_abs += std::abs(d);
            s_sq += d * d;
            ++stress_components;
        }
    }
    nlohmann::json to_json() const {
        nlohmann::json j;
        const double n = double(configs);
        j["n_configs"] = configs;
        j["energy_mae_meV_per_atom"] = 1e3 * e_abs / n;
        j["energy_rmse_meV_per_atom"] = 1e3 * std::sqrt(e_sq / n);
        j["energy_mae_meV_per_config"] = 1e3 * e_abs_cfg / n;
        j["energy_rmse_meV_per_config"] = 1e3 * std::sqrt(e_sq_cfg / n);
        if (force_components > 0) {
            j["force_mae_eV_per_A"] = f_abs / double(force_components);
            j["force_rmse_eV_per_A"] = std::sqrt(f_sq / double(force_components));
        } else {
            j["force_mae_eV_per_A"] = nullptr;
            j["force_rmse_eV_per_A"] = nullptr;
        }
        if (stress_components > 0) {
            j["stress_mae_GPa"] = s_abs / double(stress_components);
            j["stress_rmse_GPa"] = std::sqrt(s_sq / double(stress_components));
        }
        if (virial_components > 0) {
            j["virial_mae_meV_per_atom"] = 1e3 * v_abs / double(virial_components);
            j["virial_rmse_meV_per_atom"] = 1e3 * std::sqrt(v_sq / double(virial_components));
        }
        return j;
    }
};

inline void print_metrics_line(const std::string& name, const nlohmann::json& j) {
    std::printf("%-14s n=%-5zu energy MAE %8.3f meV/atom  RMSE %8.3f meV/atom  MAE %9.2f meV/config", name.c_str(),
                j["n_configs"].get<std::size_t>(), j["energy_mae_meV_per_atom"].get<double>(),
                j["energy_rmse_meV_per_atom"].get<double>(), j["energy_mae_meV_per_config"].get<double>());
    if (!j["force_mae_eV_per_A"].is_null())
        std::printf("  force MAE %.4f RMSE %.4f eV/Å", j["force_mae_eV_per_A"].get<double>(),
                    j["force_rmse_eV_per_A"].get<double>());
    if (j.contains("stress_mae_GPa"))
        std::printf("  stress MAE %.3f RMSE %.3f GPa", j["stress_mae_GPa"].get<double>(), j["stress_rmse_GPa"].get<double>());
    if (j.contains("virial_mae_meV_per_atom"))
        std::printf("  virial MAE %.3f meV/atom", j["virial_mae_meV_per_atom"].get<double>());
    std::printf("\n");
}

struct EvalOptions {
    std::string model, data, out, device = "cpu";
    bool json = false, no_forces = false, compress = false;
    double table_spacing = 0;  // Å; 0 = the model's default
    int threads = 0;
    std::size_t batch_size = 32;
};

// A NaN or Inf reference would turn every metric into nan/inf while eval exits 0: refuse the
// frame instead, naming it (file, frame, line).
inline void check_finite_labels(const Frame& f) {
    const double e = f.info_real("energy");
    if (!std::isfinite(e)) throw Error(str("the reference energy is ", e), f.source, "fix or drop this configuration");
    if (f.find_column("forces")) {
        const std::vector<double> forces = f.column_real("forces");
        for (std::size_t k = 0; k < forces.size(); ++k)
            if (!std::isfinite(forces[k]))
                throw Error(str("reference force component ", "xyz"[k % 3], " of atom ", k / 3, " is ", forces[k]), f.source,
                            "fix or drop this configuration");
    }
    if (f.find_info("virial"))
        for (double v : f.info_reals("virial"))
            if (!std::isfinite(v)) throw Error(str("a reference virial component is ", v), f.source, "fix or drop this configuration");
}

// Streams the data in chunks of one batch (it may be larger than memory) through any model.
// `compression` (if given) is reported beside the metrics.
template <class Model>
void evaluate(const EvalOptions& o, const Model& model, const FilterCompression* compression = nullptr) {
    const Host host{o.threads};
    std::unique_ptr<ExtxyzWriter> writer;
    if (!o.out.empty()) writer = std::make_unique<ExtxyzWriter>(o.out);
    ErrorSums total;
    std::map<std::string, ErrorSums> by_type;
    ExtxyzReader reader(o.data);
    std::vector<Frame> frames;
    typename Model::Forward fw;
    EnergyForces<double> ef;
    const std::unique_ptr<DeviceModel> on_device = device_model_for(o.device, model);
    auto flush = [&]() {
        if (frames.empty()) return;
        std::vector<Structure> structures;
        std::vector<NeighborList> lists;
        for (std::size_t k = 0; k < frames.size(); ++k) {
            structures.push_back(frames[k].structure);
            try {
                lists.push_back(build_neighbor_list(frames[k].structure, model.config.cutoff, {}, host));
            } catch (const Error& e) {
                throw Error(e.problem(), frames[k].source, e.hint());
            }
        }
        const GraphBatch batch = make_graph_batch(structures, lists);
        try {
            if (on_device) {
                on_device->energy_forces(batch, o.no_forces, ef);
            } else if (o.no_forces) {
                model.forward(host, batch, fw);
                ef.energies.resize(frames.size());
                for (std::size_t k = 0; k < frames.size(); ++k)
                    ef.energies[k] = fw.energies[k * std::size_t(model.config.n_heads)];
            } else {
                model.energy_forces(host, batch, fw, ef);
            }
        } catch (const Error& e) {
            throw Error(e.problem(), str(frames.front().source, " .. ", frames.back().source, " (", e.location(), ")"),
                        e.hint());
        }
        for (std::size_t k = 0; k < frames.size(); ++k) {
            Frame& f = frames[k];
            const index_t a0 = batch.atom_offsets[k], n = f.structure.size();
            const double e = ef.energies[k];
            const double label = f.info_real("energy");
            const std::string type = f.find_info("config_type") && f.info_value("config_type").type == ExtxyzType::String
                                         ? f.info_string("config_type") : "(none)";
            std::vector<double> forces, virial;
            if (!o.no_forces) {
                forces.assign(ef.forces.begin() + 3 * a0, ef.forces.begin() + 3 * (a0 + n));
                virial.assign(ef.virial.begin() + 9 * std::ptrdiff_t(k), ef.virial.begin() + 9 * std::ptrdiff_t(k + 1));
            }
            // mlearn's stress label (virial_stress_kbar), converted as training converts it
            bool has_stress = false;
            std::array<double, 9> stress{}, stress_label{};
            if (!o.no_forces && f.find_info("virial_stress_kbar") && f.structure.cell.has_lattice) {
                has_stress = true;
                const std::string ct = type == "(none)" ? std::string() : type;
                stress_label = stress_from_virial_stress_kbar(f.info_reals("virial_stress_kbar"),
                                                              mlearn_virial_stress_order(ct, f.structure.numbers),
                                                              f.source + " ('virial_stress_kbar')");
                const double V = f.structure.cell.volume();
                for (std::size_t c = 0; c < 9; ++c) stress[c] = -virial[c] / V;
            }
            for (ErrorSums* s : {&total, &by_type[type]}) {
                s->add_energy(e, label, n);
                if (has_stress) s->add_stress(stress, stress_label);
                if (!o.no_forces && f.find_column("forces")) s->add_forces(forces, f.column_real("forces"));
                if (!o.no_forces && f.find_info("virial")) s->add_virial(virial, f.info_reals("virial"), n, f.source);
            }
            if (writer) {
                f.set_info("energy_eipnn", e);
                if (!o.no_forces) {
                    f.set_column("forces_eipnn", forces, 3);
                    f.set_info("virial_eipnn", virial);
                }
                writer->write(f);
            }
        }
        frames.clear();
    };
    Frame f;
    while (reader.next(f)) {
        if (f.structure.size() == 0) throw Error("configuration has no atoms", f.source, "remove empty frames");
        if (!f.find_info("energy")) throw Error("no 'energy' entry", f.source, "evaluate labelled data");
        check_finite_labels(f);
        frames.push_back(f);
        if (frames.size() == o.batch_size) flush();
    }
    flush();
    if (total.configs == 0) throw Error("no configurations", o.data, "check the file");
    if (writer) writer->close();
    nlohmann::json j = total.to_json();
    j["model_kind"] = Model::kind;
    if (compression)
        j["compressed_filters"] = {{"spacing_A", compression->spacing},  {"tables", compression->n_tables},
                                   {"nodes", compression->n_nodes},      {"bytes", compression->bytes},
                                   {"build_ms", compression->build_ms}};
    j["by_config_type"] = nlohmann::json::object();
    for (const auto& [type, s] : by_type) j["by_config_type"][type] = s.to_json();
    if (o.json) {
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("model: %s (%s)\n", Model::kind, o.model.c_str());
        if (compression)
            std::printf("compressed filters: %ld tables of %ld nodes, spacing %.5f Å, %.2f MB, built in %.1f ms\n",
                        long(compression->n_tables), long(compression->n_nodes), compression->spacing,
                        double(compression->bytes) / 1e6, compression->build_ms);
        print_metrics_line("all", j);
        for (const auto& [type, s] : by_type) print_metrics_line(type, s.to_json());
    }
}

inline void add_eval_command(CLI::App& app) {
    auto o = std::make_shared<EvalOptions>();
    CLI::App* cmd = app.add_subcommand("eval", "errors of a trained model (any kind) on labelled data");
    cmd->add_option("--model", o->model, "checkpoint written by eipnn train or eipnn reproduce (any model kind)")
        ->required();
    cmd->add_option("--data", o->data, "extxyz with energy= (and forces, optionally)")->required();
    cmd->add_option("--out", o->out, "write predictions (energy_eipnn, forces_eipnn, virial_eipnn) as extxyz");
    cmd->add_flag("--json", o->json, "print the metrics as one JSON object");
    cmd->add_flag("--no-forces", o->no_forces, "energies only (faster)");
    cmd->add_option("--threads", o->threads, "threads; 0 = all cores");
    add_device_option(cmd, o->device);
    cmd->add_option("--batch-size", o->batch_size, "configurations per evaluation batch");
    cmd->add_flag("--compress", o->compress,
                  "SchNet: evaluate through filters tabulated over distance (cubic Hermite; inference as in "
                  "export-kim --compress)");
    cmd->add_option("--table-spacing", o->table_spacing,
                    "with --compress: the table's grid spacing in Å (0 = default, 1/8 of the Gaussians' width)");
    cmd->callback([o]() {
        if (o->batch_size < 1) throw Error("--batch-size must be at least 1", "eipnn eval");
        if (o->threads < 0) throw Error(str("--threads ", o->threads, " is negative"), "eipnn eval", "0 uses all cores");
        if (!o->compress && o->table_spacing != 0)
            throw Error("--table-spacing needs --compress", "eipnn eval", "add --compress, or drop --table-spacing");
        if (o->compress && o->device != "cpu")
            throw Error("compressed filters run on the host only", "eipnn eval --compress --device " + o->device,
                        "drop --compress, or use --device cpu");
        require_device(o->device, "eipnn eval", true);
        const Checkpoint ckpt = read_checkpoint(o->model);
        with_model_kind<double>(stored_model_kind(ckpt, o->model), [&](auto* tag) {
            using Model = std::remove_pointer_t<decltype(tag)>;
            Model model = model_from_checkpoint<Model>(ckpt, o->model);
            if (!o->compress) return evaluate(*o, model);
            const FilterCompression c = compress_model_filters(model, Host{o->threads}, o->table_spacing,
                                                               "eipnn eval --compress");
            evaluate(*o, model, &c);
        }, o->model);
    });
}

}  // namespace eipnn::cli
