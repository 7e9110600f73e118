// Any model's weights as text, so other programs (the PyTorch references in tests/ and bench/,
// people reading a checkpoint) load exactly what eipnn computes with. One record per line,
// numbers in %.17g:
//   eipnn-<kind> 1                          kind: schnet | soapnet (nn/models.hpp)
//   species <n> <Z...>
//   config <key> <value> ...                (one line) the configuration by its field names
//                                           (nn/model.hpp visit_config_fields) and derived values
//                                           (e.g. descriptors <D>), which are checked on reading
//   head_scale <n_heads values>
//   head_ref <n_heads * n_species values, head-major>
//   <fixed array> <values>                  the model's non-trained state (e.g. input_mean)
//   bn_running_mean <F values>              (only with a classifier)
//   bn_running_var <F values>               (only with a classifier)
//   param <name> <rows> <cols> <rows*cols values, row-major>   (one line per entry)
// Dense weights are (in, out): y = x W + b (nn.Linear's weight is W^T).
#pragma once
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/model.hpp"

namespace eipnn {

template <class Model>
void write_model_weights(const Model& m, const std::string& path) {
    static_assert(is_model_v<Model>, "write_model_weights needs a model (nn/model.hpp)");
    std::ofstream out(path);
    if (!out) throw Error(str("cannot open '", path, "' for writing"), "write_model_weights", "check the directory");
    out.precision(17);
    out << "eipnn-" << Model::kind << " 1\nspecies " << m.config.species.size();
    for (int z : m.config.species) out << ' ' << z;
    out << "\nconfig";
    const auto field = [&](const char* key, const auto& v) { out << ' ' << key << ' ' << config_value_to_double(v); };
    visit_config_fields(m.config, field);
    m.visit_derived_fields(field);
    const auto line = [&](const char* key, const auto& values) {
        out << '\n' << key;
        for (const auto& v : values) out << ' ' << double(v);
    };
    line("head_scale", m.head_scale);
    line("head_ref", m.head_ref);
    m.visit_fixed_arrays(line);
    if (m.config.n_classes > 0) {
        line("bn_running_mean", m.bn.running_mean);
        line("bn_running_var", m.bn.running_var);
    }
    out << '\n';
    for (const ParameterEntry& e : m.layout.entries()) {
        out << "param " << e.name << ' ' << e.rows << ' ' << e.cols;
        const MatrixView<const typename Model::Scalar> v = m.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) out << ' ' << double(v.data[k]);
        out << '\n';
    }
    if (!out) throw Error(str("writing '", path, "' failed"), "write_model_weights", "check free disk space");
}

// Reads a file of write_model_weights for the model kind Model (another kind is an error naming
// both).
template <class Model>
Model read_model_weights(const std::string& path) {
    static_assert(is_model_v<Model>, "read_model_weights needs a model (nn/model.hpp)");
    using T = typename Model::Scalar;
    std::ifstream in(path);
    if (!in) throw Error(str("cannot open '", path, "'"), "read_model_weights", "check the path");
    const auto fail = [&](const std::string& what) {
        return Error(what, str("read_model_weights (", path, ")"), "the file must be written by write_model_weights");
    };
    std::string line;
    const std::string header = str("eipnn-", Model::kind, " 1");
    if (!std::getline(in, line)) throw fail("the file is empty");
    if (line != header) {
        const bool other = line.rfind("eipnn-", 0) == 0;
        throw Error(other ? str("the file holds '", line, "', not a ", Model::kind, " ('", header, "')")
                          : str("missing header '", header, "'"),
                    str("read_model_weights (", path, ")"),
                    other ? "read it as the model kind it holds" : "the file must be written by write_model_weights");
    }
    typename Model::ConfigType c;
    std::map<std::string, double> config;
    std::map<std::string, std::vector<double>> arrays;
    std::vector<std::string> params;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string key;
        ls >> key;
        if (key == "species") {
            std::size_t n = 0;
            ls >> n;
            c.species.assign(n, 0);
            for (int& z : c.species) ls >> z;
        } else if (key == "config") {
            std::string k;
            double v;
            while (ls >> k >> v) config[k] = v;
        } else if (key == "param") {
            params.push_back(line);
            continue;
        } else if (!key.empty()) {
            std::vector<double>& dst = arrays[key];
            double v;
            while (ls >> v) dst.push_back(v);
        }
        if (ls.fail() && !ls.eof()) throw fail(str("unreadable line: ", line.substr(0, 80)));
    }
    visit_config_fields(c, [&](const char* key, auto& v) {
        const auto it = config.find(key);
        if (it == config.end()) throw fail(str("the config line has no '", key, "'"));
        config_value_from_double(v, it->second);
        config.erase(it);
    });
    Model m(c);
    m.visit_derived_fields([&](const char* key, const auto& v) {
        const auto it = config.find(key);
        if (it != config.end() && it->second != double(v))
            throw fail(str("'", key, "' is ", it->second, " in the file, the config gives ", double(v)));
        config.erase(key);
    });
    if (!config.empty()) throw fail(str("unknown config key '", config.begin()->first, "'"));
    const auto take = [&](const char* key, std::size_t size) -> std::vector<double> {
        const auto it = arrays.find(key);
        if (it == arrays.end()) throw fail(str("no '", key, "' line"));
        if (it->second.size() != size)
            throw fail(str("'", key, "' has ", it->second.size(), " values, the config needs ", size));
        std::vector<double> v = std::move(it->second);
        arrays.erase(it);
        return v;
    };
    m.head_scale = take("head_scale", m.head_scale.size());
    m.head_ref = take("head_ref", m.head_ref.size());
    m.visit_fixed_arrays([&](const char* key, std::vector<double>& v) { v = take(key, v.size()); });
    if (c.n_classes > 0) {
        const std::vector<double> mean = take("bn_running_mean", m.bn.running_mean.size());
        const std::vector<double> var = take("bn_running_var", m.bn.running_var.size());
        m.bn.running_mean.assign(mean.begin(), mean.end());
        m.bn.running_var.assign(var.begin(), var.end());
    }
    if (!arrays.empty()) throw fail(str("unknown record '", arrays.begin()->first, "'"));
    if (params.size() != m.layout.entries().size())
        throw fail(str(params.size(), " parameters in the file, the config needs ", m.layout.entries().size()));
    for (const std::string& p : params) {
        std::istringstream ls(p);
        std::string tag, name;
        index_t rows = 0, cols = 0;
        ls >> tag >> name >> rows >> cols;
        if (m.layout.find(name) < 0) throw fail(str("the model has no parameter '", name, "'"));
        const ParameterEntry& e = m.layout.entry(name);
        if (e.rows != rows || e.cols != cols)
            throw fail(str("parameter '", name, "' is (", rows, ", ", cols, "), the config needs (", e.rows, ", ", e.cols, ")"));
        MatrixView<T> v = m.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) {
            double x;
            if (!(ls >> x)) throw fail(str("parameter '", name, "' has fewer than ", e.size(), " values"));
            v.data[k] = T(x);
        }
    }
    return m;
}

}  // namespace eipnn
