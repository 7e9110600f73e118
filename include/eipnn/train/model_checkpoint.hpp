// Any model (nn/model.hpp) as checkpoint records, and back. Records are named "model.*"; a
// trainer adds its own ("train.*"). The same members as the text weights (nn/model_weights_io.hpp):
//   model.kind                  string, Model::kind
//   model.species               atomic numbers
//   model.config.<key>          one value per configuration field (visit_config_fields)
//   model.parameters            the flat parameter buffer
//   model.head_scale, model.head_ref, model.bn_mean, model.bn_var
//   model.<fixed array>         the model's non-trained state (e.g. model.input_mean)
#pragma once
#include <memory>
#include <string>

#include "eipnn/io/checkpoint.hpp"
#include "eipnn/nn/model.hpp"

namespace eipnn {

template <class Model>
void store_model(const Model& m, Checkpoint& c) {
    static_assert(is_model_v<Model>, "store_model needs a model (nn/model.hpp)");
    c.strings["model.kind"] = Model::kind;
    c.arrays["model.species"] = std::vector<double>(m.config.species.begin(), m.config.species.end());
    visit_config_fields(m.config, [&](const char* key, const auto& v) {
        c.arrays[str("model.config.", key)] = {config_value_to_double(v)};
    });
    c.arrays["model.parameters"] = std::vector<double>(m.params.data.begin(), m.params.data.end());
    c.arrays["model.head_scale"] = m.head_scale;
    c.arrays["model.head_ref"] = m.head_ref;
    c.arrays["model.bn_mean"] = std::vector<double>(m.bn.running_mean.begin(), m.bn.running_mean.end());
    c.arrays["model.bn_var"] = std::vector<double>(m.bn.running_var.begin(), m.bn.running_var.end());
    m.visit_fixed_arrays([&](const char* key, const std::vector<double>& v) { c.arrays[str("model.", key)] = v; });
}

// The model kind a checkpoint holds ("schnet", "soapnet", ...).
inline const std::string& stored_model_kind(const Checkpoint& c, const std::string& file) {
    return c.get_string("model.kind", file);
}

// Throws unless the checkpoint holds a Model; the message names both kinds.
template <class Model>
void require_model_kind(const Checkpoint& c, const std::string& file) {
    const std::string& kind = stored_model_kind(c, file);
    if (kind != Model::kind)
        throw Error(str("the checkpoint holds a '", kind, "' model, not a '", Model::kind, "'"), file,
                    str("load it as a '", kind, "' model (eipnn train --model ", kind, "); eipnn eval reads any kind"));
}

template <class Model>
typename Model::ConfigType stored_model_config(const Checkpoint& c, const std::string& file) {
    require_model_kind<Model>(c, file);
    typename Model::ConfigType k;
    const auto& species = c.get_array("model.species", file);
    k.species.assign(species.begin(), species.end());
    visit_config_fields(k, [&](const char* key, auto& v) {
        config_value_from_double(v, c.get_array(str("model.config.", key), file).at(0));
    });
    return k;
}

// Loads into an existing model of the same kind and sizes (the optimizer's state refers to its
// parameter buffer, so the trainer fills its model in place).
template <class Model>
void load_model(const Checkpoint& c, Model& m, const std::string& file) {
    require_model_kind<Model>(c, file);
    const auto sized = [&](const char* key, std::size_t size) -> const std::vector<double>& {
        const std::vector<double>& v = c.get_array(key, file);
        if (v.size() != size)
            throw Error(str("the checkpoint's '", key, "' has ", v.size(), " values, the model ", size), file,
                        "the model sizes differ from the checkpoint's");
        return v;
    };
    // every record is found and sized before anything is assigned: a mismatch leaves m untouched
    const auto& p = sized("model.parameters", m.params.data.size());
    const auto& scale = sized("model.head_scale", m.head_scale.size());
    const auto& ref = sized("model.head_ref", m.head_ref.size());
    const auto& mean = sized("model.bn_mean", m.bn.running_mean.size());
    const auto& var = sized("model.bn_var", m.bn.running_var.size());
    std::vector<const std::vector<double>*> fixed;
    m.visit_fixed_arrays(
        [&](const char* key, const std::vector<double>& v) { fixed.push_back(&sized(str("model.", key).c_str(), v.size())); });
    for (std::size_t i = 0; i < p.size(); ++i) m.params.data[i] = typename Model::Scalar(p[i]);
    m.head_scale = scale;
    m.head_ref = ref;
    m.bn.running_mean.assign(mean.begin(), mean.end());
    m.bn.running_var.assign(var.begin(), var.end());
    std::size_t k = 0;
    m.visit_fixed_arrays([&](const char*, std::vector<double>& v) { v = *fixed[k++]; });
}

template <class Model>
Model model_from_checkpoint(const Checkpoint& c, const std::string& file) {
    Model m(stored_model_config<Model>(c, file));
    load_model(c, m, file);
    return m;
}

}  // namespace eipnn
