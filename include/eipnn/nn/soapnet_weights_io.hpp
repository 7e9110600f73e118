// SOAPNet weights as text, for programs outside eipnn (the PyTorch reference test and benchmark
// baseline), in the style of weights_io.hpp's SchNet format. One record per line, %.17g:
//   eipnn-soapnet 1
//   species <n> <Z...>
//   config cutoff <Å> n_max <n> l_max <l> sigma <Å> cutoff_width <Å> normalization <0 none|1 l2>
//          descriptors <D> hidden <H> backbone_layers <L> head_hidden <H> heads <n> classes <C>
//          classifier_hidden <H>                                              (one line)
//   head_scale <n_heads values>
//   head_ref <n_heads * n_species values, head-major>
//   input_mean <D values>
//   input_inv_std <D values>
//   bn_running_mean <H values>          (only with a classifier)
//   bn_running_var <H values>           (only with a classifier)
//   param <name> <rows> <cols> <rows*cols values, row-major>   (one line per entry)
// Dense weights are (in, out): y = x W + b (nn.Linear's weight is W^T).
#pragma once
#include <fstream>
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/soapnet.hpp"

namespace eipnn {

template <class T>
void write_soapnet_weights(const SoapNet<T>& m, const std::string& path) {
    std::ofstream out(path);
    if (!out) throw Error(str("cannot open '", path, "' for writing"), "write_soapnet_weights", "check the directory");
    out.precision(17);
    const SoapNetConfig& c = m.config;
    out << "eipnn-soapnet 1\nspecies " << c.species.size();
    for (int z : c.species) out << ' ' << z;
    out << "\nconfig cutoff " << c.cutoff << " n_max " << c.soap.n_max << " l_max " << c.soap.l_max << " sigma "
        << c.soap.sigma << " cutoff_width " << c.soap.cutoff_width << " normalization "
        << (c.soap.normalization == SoapNormalization::l2 ? 1 : 0) << " descriptors " << m.n_descriptors()
        << " hidden " << c.hidden << " backbone_layers " << c.n_backbone_layers << " head_hidden " << c.head_hidden
        << " heads " << c.n_heads << " classes " << c.n_classes << " classifier_hidden " << c.classifier_hidden;
    auto line = [&](const char* key, const auto& values) {
        out << '\n' << key;
        for (const auto& v : values) out << ' ' << double(v);
    };
    line("head_scale", m.head_scale);
    line("head_ref", m.head_ref);
    line("input_mean", m.input_mean);
    line("input_inv_std", m.input_inv_std);
    if (c.n_classes > 0) {
        line("bn_running_mean", m.bn.running_mean);
        line("bn_running_var", m.bn.running_var);
    }
    out << '\n';
    for (const ParameterEntry& e : m.layout.entries()) {
        out << "param " << e.name << ' ' << e.rows << ' ' << e.cols;
        const MatrixView<const T> v = m.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) out << ' ' << double(v.data[k]);
        out << '\n';
    }
    if (!out) throw Error(str("writing '", path, "' failed"), "write_soapnet_weights", "check free disk space");
}

}  // namespace eipnn
