// eipnn's SOAPNet against an independent PyTorch implementation (soapnet_torch.py, autograd,
// float64) on identical weights and descriptors (computed by eipnn, exported to both sides; the
// descriptor itself is checked against NumPy elsewhere) for a batch of real mlearn Si
// configurations: energies of two heads, every parameter gradient of an MSE energy loss,
// classifier logits (BatchNorm in evaluation and training mode), the updated running statistics
// and every parameter gradient of the classifier's cross-entropy through the backbone.
// Agreement required: 1e-10 relative, per quantity, against the largest magnitude of that
// quantity (single entries can be cancellation-small); the rounding of ~1e3-term float64 sums in
// two different orders is ~1e-13 relative, so 1e-10 leaves room for nothing but rounding.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "eipnn/nn/soapnet_weights_io.hpp"
#include "eipnn/train/soapnet_inputs.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

std::map<std::string, std::vector<double>> read_output(const std::string& path) {
    std::map<std::string, std::vector<double>> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string key, name;
        ls >> key;
        if (key == "grad" || key.rfind("cegrad_", 0) == 0) {
            ls >> name;
            key = key == "grad" ? name : key + ":" + name;
        }
        double v;
        std::vector<double>& dst = out[key];
        while (ls >> v) dst.push_back(v);
    }
    return out;
}

template <class V>
void write_line(std::ofstream& f, const char* key, const V& values) {
    f << key;
    for (const auto& v : values) f << ' ' << v;
    f << '\n';
}

void compare(const std::string& what, const std::vector<double>& ours, const std::vector<double>& torch) {
    REQUIRE(ours.size() == torch.size());
    REQUIRE(!ours.empty());
    double scale = 0, worst = 0;
    for (double t : torch) scale = std::max(scale, std::abs(t));
    for (std::size_t k = 0; k < ours.size(); ++k) worst = std::max(worst, std::abs(ours[k] - torch[k]));
    INFO(what << ": max |eipnn - torch| = " << worst << ", largest |torch| = " << scale);
    CHECK(worst <= 1e-10 * scale);
}

}  // namespace

TEST_CASE("soapnet matches PyTorch autograd on real mlearn Si configurations", "[nn][reference]") {
    const auto data = eipnn::test::data_file_or_skip("mlearn-si/training.extxyz");
    eipnn::test::require_python_module_or_skip("torch");
    const std::vector<Frame> frames = read_extxyz(data);
    // a spread of sizes and config types: every 27th configuration
    std::vector<Structure> s;
    std::vector<double> dft;
    for (std::size_t k = 0; k < frames.size() && s.size() < 8; k += 27) {
        s.push_back(frames[k].structure);
        dft.push_back(frames[k].info_real("energy"));
    }
    SoapNetConfig cfg;  // the paper's sizes: 252 SOAP features, width 128
    cfg.n_heads = 2;
    cfg.n_classes = 4;
    SoapNet<double> m(cfg, 17);
    PreparedSet train;
    for (const Structure& x : s) {
        train.structures.push_back(x);
        train.lists.push_back(build_neighbor_list(x, cfg.cutoff));
    }
    const Host host{2};
    prepare_model_inputs(m, train, host);
    m.head_scale = {0.8, 1.9};
    m.head_ref = {-5.2, -4.1};
    for (index_t c = 0; c < cfg.hidden; ++c) {
        m.bn.running_mean[std::size_t(c)] = 0.1 * c;
        m.bn.running_var[std::size_t(c)] = 1.0 + 0.01 * c;
    }
    const GraphBatch batch = make_graph_batch(s, cfg.cutoff);
    SoapNetForward<double> fw;
    m.forward(host, batch, fw);
    REQUIRE(m.n_descriptors() == 252);

    const auto dir = eipnn::test::scratch_dir("soapnet_torch");
    write_soapnet_weights(m, (dir / "weights.txt").string());
    std::vector<double> targets;
    std::vector<int> labels;
    for (std::size_t g = 0; g < s.size(); ++g) {
        targets.push_back(dft[g]);
        targets.push_back(-4.0 * s[g].size());
        labels.push_back(int(g % std::size_t(cfg.n_classes)));
    }
    {
        std::ofstream f(dir / "batch.txt");
        f.precision(17);
        f << "graphs " << batch.n_graphs() << '\n';
        write_line(f, "numbers", batch.numbers);
        write_line(f, "graph_of_atom", batch.graph_of_atom);
        write_line(f, "descriptors", fw.P);
        write_line(f, "targets", targets);
        write_line(f, "labels", labels);
    }
    const std::string cmd = eipnn::test::python() + " " + (eipnn::test::test_dir() / "reference/soapnet_torch.py").string() +
                            " " + (dir / "weights.txt").string() + " " + (dir / "batch.txt").string() + " " +
                            (dir / "torch.txt").string();
    REQUIRE(eipnn::test::run(cmd) == 0);
    auto ref = read_output((dir / "torch.txt").string());

    compare("energies", fw.energies, ref["energies"]);
    std::vector<double> dL_dE(targets.size());
    for (std::size_t k = 0; k < targets.size(); ++k) dL_dE[k] = 2 * (fw.energies[k] - targets[k]) / double(targets.size());
    ParameterBuffer<double> grads(m.layout);
    m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
    for (const ParameterEntry& e : m.layout.entries()) {
        if (e.name.rfind("classifier", 0) == 0) continue;  // no energy gradient, zero on both sides
        const MatrixView<const double> g = std::as_const(grads).at(e);
        compare("gradient of " + e.name, std::vector<double>(g.data, g.data + e.size()), ref[e.name]);
    }
    const std::vector<double> no_energy(dL_dE.size(), 0.0);
    for (bool training : {false, true}) {
        const std::string mode = training ? "train" : "eval";
        ClassifierSaved<double> cs;
        m.classifier_forward(host, batch, fw, training, cs);
        compare("logits (BatchNorm " + mode + ")", cs.logits, ref["logits_" + mode]);
        std::vector<double> dL_dlogits;
        cross_entropy(matrix_of(std::as_const(cs.logits), cfg.n_classes), labels, dL_dlogits);
        ParameterBuffer<double> cg(m.layout);
        const std::vector<double> dx = m.classifier_backward(host, batch, cs, dL_dlogits, &cg);
        m.backward(host, batch, fw, span_of(no_energy), &cg, nullptr, &dx);
        for (const ParameterEntry& e : m.layout.entries()) {
            if (e.name.rfind("head", 0) == 0) continue;  // no classifier gradient, zero on both sides
            const MatrixView<const double> g = std::as_const(cg).at(e);
            compare("cross-entropy gradient (" + mode + ") of " + e.name, std::vector<double>(g.data, g.data + e.size()),
                    ref["cegrad_" + mode + ":" + e.name]);
        }
    }
    compare("running mean", m.bn.running_mean, ref["running_mean"]);
    compare("running var", m.bn.running_var, ref["running_var"]);
}
