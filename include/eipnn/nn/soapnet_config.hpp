// The parts of SOAPNet (soapnet.hpp) that do not compute: its configuration and parameter names.
//
// SOAPNet (the paper's second model): each atom's SOAP power spectrum (soap/soap.hpp, D
// features) -> fixed standardisation -> n_backbone_layers dense layers of width `hidden`, each
// followed by shifted softplus (the backbone) -> K atom-wise energy heads (readout.hpp) summed
// per configuration; optionally the classifier head of strategy 1 on the backbone's features.
// With the defaults: 252 -> 128 -> 128 -> 128 backbone, head 128 -> 128 -> 1, i.e. the paper's
// five dense layers of width 128.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/soap/soap.hpp"

namespace eipnn {

struct SoapNetConfig {
    std::vector<int> species{14};   // atomic numbers (copied into soap.species)
    double cutoff = 5.0;            // Å, the neighbour lists' cutoff (copied into soap.cutoff)
    SoapConfig soap;                // n_max, l_max, sigma, ...; species and cutoff come from above
    index_t hidden = 128;           // width of the backbone's dense layers (= the features' width)
    index_t n_backbone_layers = 3;
    index_t head_hidden = 128;
    index_t n_heads = 1;            // K parallel energy heads (pretraining on K EIPs)
    index_t n_classes = 0;          // classifier logits (K+1); 0 = no classifier
    index_t classifier_hidden = 128;

    // The SOAP configuration the model computes with: `soap` with this config's species/cutoff.
    SoapConfig soap_config() const {
        SoapConfig s = soap;
        s.species = species;
        s.cutoff = cutoff;
        return s;
    }

    // The backbone's fields by their text-weights keys (nn/model.hpp adds the common ones).
    template <class F>
    void visit_backbone_fields(F&& f) {
        f("n_max", soap.n_max);
        f("l_max", soap.l_max);
        f("sigma", soap.sigma);
        f("cutoff_width", soap.cutoff_width);
        f("normalization", soap.normalization);  // 0 none, 1 l2
        f("hidden", hidden);
        f("backbone_layers", n_backbone_layers);
    }
    template <class F>
    void visit_backbone_fields(F&& f) const { const_cast<SoapNetConfig*>(this)->visit_backbone_fields(f); }

    void validate() const {
        const char* where = "SoapNetConfig";
        if (species.empty()) throw Error("no species", where, "list the atomic numbers the model covers");
        if (!(cutoff > 0)) throw Error(str("cutoff ", cutoff, " must be positive"), where);
        if (hidden < 1 || n_backbone_layers < 1 || head_hidden < 1 || n_heads < 1 || n_classes < 0 ||
            classifier_hidden < 1)
            throw Error(str("invalid sizes: hidden ", hidden, ", backbone layers ", n_backbone_layers, ", head_hidden ",
                            head_hidden, ", heads ", n_heads, ", classes ", n_classes, ", classifier_hidden ",
                            classifier_hidden),
                        where, "hidden sizes, backbone layers and heads >= 1, classes >= 0");
        soap_config().validate();
    }
};

inline std::string soapnet_layer_prefix(index_t l) { return str("backbone", l, "."); }

}  // namespace eipnn
