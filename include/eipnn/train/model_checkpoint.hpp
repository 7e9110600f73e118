// A SchNet (configuration, parameters, output scale and references, BatchNorm statistics) as
// checkpoint records, and back. Records are named "model.*"; a trainer adds its own.
#pragma once
#include <memory>

#include "eipnn/io/checkpoint.hpp"
#include "eipnn/nn/schnet.hpp"

namespace eipnn {

template <class T>
void store_model(const SchNet<T>& m, Checkpoint& c) {
    const SchNetConfig& k = m.config;
    c.strings["model.kind"] = "schnet";
    c.arrays["model.species"] = std::vector<double>(k.species.begin(), k.species.end());
    c.arrays["model.cutoff"] = {k.cutoff};
    c.arrays["model.rbf_width"] = {k.rbf_width};
    c.ints["model.n_features"] = k.n_features;
    c.ints["model.n_rbf"] = k.n_rbf;
    c.ints["model.n_interactions"] = k.n_interactions;
    c.ints["model.residual"] = k.residual ? 1 : 0;
    c.ints["model.head_hidden"] = k.head_hidden;
    c.ints["model.n_heads"] = k.n_heads;
    c.ints["model.n_classes"] = k.n_classes;
    c.ints["model.classifier_hidden"] = k.classifier_hidden;
    c.arrays["model.parameters"] = std::vector<double>(m.params.data.begin(), m.params.data.end());
    c.arrays["model.head_scale"] = m.head_scale;
    c.arrays["model.head_ref"] = m.head_ref;
    c.arrays["model.bn_mean"] = std::vector<double>(m.bn.running_mean.begin(), m.bn.running_mean.end());
    c.arrays["model.bn_var"] = std::vector<double>(m.bn.running_var.begin(), m.bn.running_var.end());
}

template <class T>
SchNetConfig stored_model_config(const Checkpoint& c, const std::string& file) {
    if (c.get_string("model.kind", file) != "schnet")
        throw Error(str("the checkpoint holds a '", c.get_string("model.kind", file), "' model, not a SchNet"), file);
    SchNetConfig k;
    const auto& species = c.get_array("model.species", file);
    k.species.assign(species.begin(), species.end());
    k.cutoff = c.get_array("model.cutoff", file).at(0);
    k.rbf_width = c.get_array("model.rbf_width", file).at(0);
    k.n_features = index_t(c.get_int("model.n_features", file));
    k.n_rbf = index_t(c.get_int("model.n_rbf", file));
    k.n_interactions = index_t(c.get_int("model.n_interactions", file));
    k.residual = c.get_int("model.residual", file) != 0;
    k.head_hidden = index_t(c.get_int("model.head_hidden", file));
    k.n_heads = index_t(c.get_int("model.n_heads", file));
    k.n_classes = index_t(c.get_int("model.n_classes", file));
    k.classifier_hidden = index_t(c.get_int("model.classifier_hidden", file));
    return k;
}

// Loads into an existing model of the same configuration (the model owns its layout, so it is
// built once and filled, never copied).
template <class T>
void load_model(const Checkpoint& c, SchNet<T>& m, const std::string& file) {
    const auto& p = c.get_array("model.parameters", file);
    if (p.size() != m.params.data.size())
        throw Error(str("the checkpoint has ", p.size(), " parameters, the model ", m.params.data.size()), file,
                    "the model sizes differ from the checkpoint's");
    for (std::size_t i = 0; i < p.size(); ++i) m.params.data[i] = T(p[i]);
    m.head_scale = c.get_array("model.head_scale", file);
    m.head_ref = c.get_array("model.head_ref", file);
    const auto& mean = c.get_array("model.bn_mean", file);
    const auto& var = c.get_array("model.bn_var", file);
    m.bn.running_mean.assign(mean.begin(), mean.end());
    m.bn.running_var.assign(var.begin(), var.end());
}

template <class T>
std::unique_ptr<SchNet<T>> model_from_checkpoint(const Checkpoint& c, const std::string& file) {
    auto m = std::make_unique<SchNet<T>>(stored_model_config<T>(c, file));
    load_model(c, *m, file);
    return m;
}

}  // namespace eipnn
