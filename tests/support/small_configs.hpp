// The small model configurations the tests share, apart from the heavier fixtures of
// model_fixtures.hpp (trainer, data sets), so that the device test bodies can use them too.
#pragma once
#include "eipnn/nn/soapnet_config.hpp"

namespace eipnn::test {

// The output side and data every small test model shares: Si and Ge, cutoff 3.5 Å, two heads, a
// three-class classifier.
template <class Config>
Config with_small_outputs(Config c) {
    c.species = {14, 32};
    c.cutoff = 3.5;
    c.head_hidden = 5;
    c.n_heads = 2;
    c.n_classes = 3;
    c.classifier_hidden = 4;
    return c;
}

// Mo only, cutoff 4.5 Å, one head of width 8, no classifier: the trainer tests' models.
template <class Config>
Config with_mo_outputs(Config c) {
    c.species = {42};
    c.cutoff = 4.5;
    c.head_hidden = 8;
    c.n_heads = 1;
    c.n_classes = 0;
    return c;
}

// SOAPNet: small but complete (two backbone layers, a real SOAP basis), two species and heads.
inline SoapNetConfig small_soapnet_config() {
    SoapNetConfig c = with_small_outputs(SoapNetConfig{});
    c.soap.n_max = 3;
    c.soap.l_max = 2;
    c.soap.sigma = 0.5;
    c.soap.cutoff_width = 1.0;
    c.hidden = 6;
    c.n_backbone_layers = 2;
    return c;
}

}  // namespace eipnn::test
