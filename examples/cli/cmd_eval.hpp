// `eipnn eval`: energy (and force) errors of a trained model on an extxyz file, overall and per
// config_type, as text or JSON; optionally the predictions as extxyz.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/train/energy_trainer.hpp"

namespace eipnn::cli {

struct ErrorSums {
    std::size_t configs = 0, force_components = 0;
    double e_abs = 0, e_sq = 0, e_abs_cfg = 0, e_sq_cfg = 0, f_abs = 0, f_sq = 0;

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
    std::printf("\n");
}

inline void add_eval_command(CLI::App& app) {
    struct Options {
        std::string model, data, out;
        bool json = false, no_forces = false;
        int threads = 0;
        std::size_t batch_size = 32;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("eval", "errors of a trained model on labelled data");
    cmd->add_option("--model", o->model, "checkpoint written by eipnn train")->required();
    cmd->add_option("--data", o->data, "extxyz with energy= (and forces, optionally)")->required();
    cmd->add_option("--out", o->out, "write predictions (energy_eipnn, forces_eipnn) as extxyz");
    cmd->add_flag("--json", o->json, "print the metrics as one JSON object");
    cmd->add_flag("--no-forces", o->no_forces, "energies only (faster)");
    cmd->add_option("--threads", o->threads, "threads; 0 = all cores");
    cmd->add_option("--batch-size", o->batch_size, "configurations per evaluation batch");
    cmd->callback([o]() {
        const Host host{o->threads};
        const auto model = model_from_checkpoint<double>(read_checkpoint(o->model), o->model);
        std::unique_ptr<ExtxyzWriter> writer;
        if (!o->out.empty()) writer = std::make_unique<ExtxyzWriter>(o->out);
        ErrorSums total;
        std::map<std::string, ErrorSums> by_type;
        // streamed in chunks of one batch, so the data may be larger than memory
        ExtxyzReader reader(o->data);
        std::vector<Frame> frames;
        SchNetForward<double> fw;
        EnergyForces<double> ef;
        auto flush = [&]() {
            if (frames.empty()) return;
            std::vector<Structure> structures;
            std::vector<NeighborList> lists;
            for (std::size_t k = 0; k < frames.size(); ++k) {
                structures.push_back(frames[k].structure);
                try {
                    lists.push_back(build_neighbor_list(frames[k].structure, model->config.cutoff, {}, host));
                } catch (const Error& e) {
                    throw Error(e.problem(), frames[k].source, e.hint());
                }
            }
            const GraphBatch batch = make_graph_batch(structures, lists);
            if (o->no_forces) {
                model->forward(host, batch, fw);
                ef.energies.assign(fw.energies.begin(), fw.energies.end());
            } else {
                model->energy_forces(host, batch, fw, ef);
            }
            for (std::size_t k = 0; k < frames.size(); ++k) {
                Frame& f = frames[k];
                const index_t a0 = batch.atom_offsets[k], n = f.structure.size();
                const double e = ef.energies[k];
                const double label = f.info_real("energy");
                const std::string type = f.find_info("config_type") && f.info_value("config_type").type == ExtxyzType::String
                                             ? f.info_string("config_type") : "(none)";
                std::vector<double> forces;
                if (!o->no_forces) forces.assign(ef.forces.begin() + 3 * a0, ef.forces.begin() + 3 * (a0 + n));
                for (ErrorSums* s : {&total, &by_type[type]}) {
                    s->add_energy(e, label, n);
                    if (!o->no_forces && f.find_column("forces")) s->add_forces(forces, f.column_real("forces"));
                }
                if (writer) {
                    f.set_info("energy_eipnn", e);
                    if (!o->no_forces) f.set_column("forces_eipnn", forces, 3);
                    writer->write(f);
                }
            }
            frames.clear();
        };
        Frame f;
        while (reader.next(f)) {
            if (f.structure.size() == 0) throw Error("configuration has no atoms", f.source, "remove empty frames");
            if (!f.find_info("energy")) throw Error("no 'energy' entry", f.source, "evaluate labelled data");
            frames.push_back(f);
            if (frames.size() == o->batch_size) flush();
        }
        flush();
        if (total.configs == 0) throw Error("no configurations", o->data, "check the file");
        if (writer) writer->close();
        nlohmann::json j = total.to_json();
        j["by_config_type"] = nlohmann::json::object();
        for (const auto& [type, s] : by_type) j["by_config_type"][type] = s.to_json();
        if (o->json) {
            std::printf("%s\n", j.dump(2).c_str());
        } else {
            print_metrics_line("all", j);
            for (const auto& [type, s] : by_type) print_metrics_line(type, s.to_json());
        }
    });
}

}  // namespace eipnn::cli
