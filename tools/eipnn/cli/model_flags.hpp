// The model flags every command that builds a model shares (`train`, `reproduce`): --model picks
// the kind (nn/models.hpp), the other flags fill that kind's configuration. Defaults are the
// paper's sizes; a command that sizes models by mode asks given() which flags the user set.
#pragma once
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "eipnn/nn/models.hpp"

namespace eipnn::cli {

struct ModelFlags {
    std::string kind = "schnet";
    double cutoff = 5.0;
    int features = 128, head_hidden = 0;         // head_hidden 0: = features
    int rbf = 128, interactions = 5;             // SchNet
    bool residual = false;
    int n_max = 8, l_max = 6, backbone_layers = 3;  // SOAPNet
    double sigma = 0.5;
    std::map<std::string, CLI::Option*> options;

    void add(CLI::App* cmd) {
        options["--model"] = cmd->add_option("--model", kind, str("model kind: ", model_kind_names()))
                                 ->check(CLI::IsMember(model_kinds()))
                                 ->capture_default_str();
        options["--cutoff"] = cmd->add_option("--cutoff", cutoff, "cutoff radius, Å (paper: 5 for Si)")->capture_default_str();
        options["--features"] = cmd->add_option("--features", features,
                                                "feature width: SchNet's features, SOAPNet's MLP width (paper: 128)")
                                    ->capture_default_str();
        options["--head-hidden"] = cmd->add_option("--head-hidden", head_hidden, "hidden width of the energy heads; 0 = --features");
        options["--rbf"] = cmd->add_option("--rbf", rbf, "SchNet: Gaussians on [0, cutoff] (paper: 128)")->capture_default_str();
        options["--interactions"] =
            cmd->add_option("--interactions", interactions, "SchNet: interaction blocks (paper: 5)")->capture_default_str();
        options["--residual"] = cmd->add_flag("--residual", residual, "SchNet: residual interaction blocks (the paper's code has none)");
        options["--n-max"] = cmd->add_option("--n-max", n_max, "SOAPNet: radial functions (paper: 8)")->capture_default_str();
        options["--l-max"] = cmd->add_option("--l-max", l_max, "SOAPNet: spherical harmonics degree (paper: 6)")->capture_default_str();
        options["--sigma"] = cmd->add_option("--sigma", sigma, "SOAPNet: Gaussian width of the densities, Å")->capture_default_str();
        options["--backbone-layers"] = cmd->add_option("--backbone-layers", backbone_layers,
                                                       "SOAPNet: dense layers before the heads (paper: 3, with 2 in the head)")
                                           ->capture_default_str();
    }
    bool given(const std::string& flag) const {
        const auto it = options.find(flag);
        return it != options.end() && it->second->count() > 0;
    }

    void fill(SchNetConfig& c) const {
        c.n_features = features;
        c.n_rbf = rbf;
        c.n_interactions = interactions;
        c.residual = residual;
    }
    void fill(SoapNetConfig& c) const {
        c.hidden = features;
        c.soap.n_max = n_max;
        c.soap.l_max = l_max;
        c.soap.sigma = sigma;
        c.n_backbone_layers = backbone_layers;
    }
    // The configuration of model kind Model for these species.
    template <class Model>
    typename Model::ConfigType config(std::vector<int> species) const {
        typename Model::ConfigType c;
        c.species = std::move(species);
        c.cutoff = cutoff;
        fill(c);
        c.head_hidden = head_hidden > 0 ? head_hidden : features;
        c.classifier_hidden = c.head_hidden;
        return c;
    }
    // One line for logs and reports.
    std::string describe() const {
        if (kind == "soapnet")
            return str("SOAPNet: SOAP n_max ", n_max, ", l_max ", l_max, ", sigma ", sigma, " Å; MLP width ", features, " (",
                       backbone_layers, " backbone + 2 head layers); cutoff ", cutoff, " Å");
        return str("SchNet: features ", features, ", rbf ", rbf, ", interactions ", interactions, "; cutoff ", cutoff, " Å");
    }
};

}  // namespace eipnn::cli
