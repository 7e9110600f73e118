// A SOAPNet (configuration with its SOAP settings, parameters, output scale and references,
// BatchNorm statistics, input standardisation) as checkpoint records, and back. Records are named
// "model.*" like SchNet's (model_checkpoint.hpp); "model.kind" tells the two apart.
#pragma once
#include <memory>

#include "eipnn/io/checkpoint.hpp"
#include "eipnn/nn/soapnet.hpp"

namespace eipnn {

template <class T>
void store_model(const SoapNet<T>& m, Checkpoint& c) {
    const SoapNetConfig& k = m.config;
    c.strings["model.kind"] = "soapnet";
    c.arrays["model.species"] = std::vector<double>(k.species.begin(), k.species.end());
    c.arrays["model.cutoff"] = {k.cutoff};
    c.ints["model.soap.n_max"] = k.soap.n_max;
    c.ints["model.soap.l_max"] = k.soap.l_max;
    c.arrays["model.soap.sigma"] = {k.soap.sigma};
    c.arrays["model.soap.cutoff_width"] = {k.soap.cutoff_width};
    c.ints["model.soap.normalization"] = k.soap.normalization == SoapNormalization::l2 ? 1 : 0;
    c.ints["model.hidden"] = k.hidden;
    c.ints["model.n_backbone_layers"] = k.n_backbone_layers;
    c.ints["model.head_hidden"] = k.head_hidden;
    c.ints["model.n_heads"] = k.n_heads;
    c.ints["model.n_classes"] = k.n_classes;
    c.ints["model.classifier_hidden"] = k.classifier_hidden;
    c.arrays["model.parameters"] = std::vector<double>(m.params.data.begin(), m.params.data.end());
    c.arrays["model.head_scale"] = m.head_scale;
    c.arrays["model.head_ref"] = m.head_ref;
    c.arrays["model.bn_mean"] = std::vector<double>(m.bn.running_mean.begin(), m.bn.running_mean.end());
    c.arrays["model.bn_var"] = std::vector<double>(m.bn.running_var.begin(), m.bn.running_var.end());
    c.arrays["model.input_mean"] = m.input_mean;
    c.arrays["model.input_inv_std"] = m.input_inv_std;
}

inline SoapNetConfig stored_soapnet_config(const Checkpoint& c, const std::string& file) {
    const std::string& kind = c.get_string("model.kind", file);
    if (kind != "soapnet")
        throw Error(str("the checkpoint holds a '", kind, "' model, not a SOAPNet"), file,
                    "load it as the model kind it holds");
    SoapNetConfig k;
    const auto& species = c.get_array("model.species", file);
    k.species.assign(species.begin(), species.end());
    k.cutoff = c.get_array("model.cutoff", file).at(0);
    k.soap.n_max = index_t(c.get_int("model.soap.n_max", file));
    k.soap.l_max = index_t(c.get_int("model.soap.l_max", file));
    k.soap.sigma = c.get_array("model.soap.sigma", file).at(0);
    k.soap.cutoff_width = c.get_array("model.soap.cutoff_width", file).at(0);
    k.soap.normalization = c.get_int("model.soap.normalization", file) != 0 ? SoapNormalization::l2 : SoapNormalization::none;
    k.soap.species = k.species;
    k.soap.cutoff = k.cutoff;
    k.hidden = index_t(c.get_int("model.hidden", file));
    k.n_backbone_layers = index_t(c.get_int("model.n_backbone_layers", file));
    k.head_hidden = index_t(c.get_int("model.head_hidden", file));
    k.n_heads = index_t(c.get_int("model.n_heads", file));
    k.n_classes = index_t(c.get_int("model.n_classes", file));
    k.classifier_hidden = index_t(c.get_int("model.classifier_hidden", file));
    return k;
}

// Loads into an existing model of the same configuration (the kind is checked as well, so a
// SchNet checkpoint of coincidentally equal size is never read as a SOAPNet).
template <class T>
void load_model(const Checkpoint& c, SoapNet<T>& m, const std::string& file) {
    const std::string& kind = c.get_string("model.kind", file);
    if (kind != "soapnet")
        throw Error(str("the checkpoint holds a '", kind, "' model, not a SOAPNet"), file,
                    "load it as the model kind it holds");
    const auto& p = c.get_array("model.parameters", file);
    if (p.size() != m.params.data.size())
        throw Error(str("the checkpoint has ", p.size(), " parameters, the model ", m.params.data.size()), file,
                    "the model sizes differ from the checkpoint's");
    const auto& mean = c.get_array("model.bn_mean", file);
    const auto& var = c.get_array("model.bn_var", file);
    const auto& in_mean = c.get_array("model.input_mean", file);
    const auto& in_inv = c.get_array("model.input_inv_std", file);
    const auto& scale = c.get_array("model.head_scale", file);
    const auto& ref = c.get_array("model.head_ref", file);
    if (mean.size() != m.bn.running_mean.size() || var.size() != m.bn.running_var.size() ||
        in_mean.size() != m.input_mean.size() || in_inv.size() != m.input_inv_std.size() ||
        scale.size() != m.head_scale.size() || ref.size() != m.head_ref.size())
        throw Error("BatchNorm, input standardisation or head records do not match the model's sizes", file,
                    "the model sizes differ from the checkpoint's");
    for (std::size_t i = 0; i < p.size(); ++i) m.params.data[i] = T(p[i]);
    m.head_scale = scale;
    m.head_ref = ref;
    m.bn.running_mean.assign(mean.begin(), mean.end());
    m.bn.running_var.assign(var.begin(), var.end());
    m.input_mean = in_mean;
    m.input_inv_std = in_inv;
}

template <class T>
std::unique_ptr<SoapNet<T>> soapnet_from_checkpoint(const Checkpoint& c, const std::string& file) {
    auto m = std::make_unique<SoapNet<T>>(stored_soapnet_config(c, file));
    load_model(c, *m, file);
    return m;
}

}  // namespace eipnn
