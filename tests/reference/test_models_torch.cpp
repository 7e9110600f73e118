// Every model kind against an independent PyTorch implementation (tests/reference/<kind>_torch.py
// on torch_models.py, autograd, float64) on identical weights (nn/model_weights_io.hpp's text
// format) and a batch of real mlearn Si configurations, at the paper's sizes: energies of two
// heads, every parameter gradient of an MSE energy loss, classifier logits (BatchNorm in
// evaluation and training mode) and the updated running statistics; what only one oracle gives:
// SchNet's forces (its oracle differentiates through the edge vectors), SOAPNet's cross-entropy
// gradients through the backbone (its oracle starts from eipnn's descriptors, checked against
// NumPy in test_soap_numpy.cpp, so it has no forces).
// Agreement required: 1e-10 relative, per quantity, against the largest magnitude of that
// quantity (single entries can be cancellation-small); the rounding of ~1e3-term float64 sums in
// two different orders is ~1e-13 relative, so 1e-10 leaves room for nothing but rounding.
#include <catch2/catch.hpp>

#include <fstream>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/model_weights_io.hpp"
#include "eipnn/nn/models.hpp"
#include "eipnn/train/model_inputs.hpp"
#include "support/model_fixtures.hpp"
#include "support/test_support.hpp"
#include "torch_oracle_support.hpp"

using namespace eipnn;
using namespace eipnn::test::torch_oracle;

namespace {

// What differs between the oracles: the script, the model input it reads (besides graphs,
// numbers, graph_of_atom, targets, labels), and which quantities it gives.
template <class Model>
struct TorchOracle;

template <>
struct TorchOracle<SchNet<double>> {
    static constexpr const char* script = "reference/schnet_torch.py";
    static constexpr bool forces = true;
    static constexpr bool cross_entropy_gradients = false;
    static void check_paper_sizes(const SchNet<double>& m) { REQUIRE(m.feature_width() == 128); }
    // the edges with their periodic shifts: the oracle builds the edge vectors from the positions
    static void write_input(std::ofstream& f, const GraphBatch& batch, const SchNetForward<double>&) {
        write_edges(f, batch);
    }
};

template <>
struct TorchOracle<SoapNet<double>> {
    static constexpr const char* script = "reference/soapnet_torch.py";
    static constexpr bool forces = false;
    static constexpr bool cross_entropy_gradients = true;
    static void check_paper_sizes(const SoapNet<double>& m) {
        REQUIRE(m.n_descriptors() == 252);
        REQUIRE(m.feature_width() == 128);
    }
    static void write_input(std::ofstream& f, const GraphBatch&, const SoapNetForward<double>& fw) {
        write_line(f, "descriptors", fw.P);
    }
};

}  // namespace

TEMPLATE_TEST_CASE("model matches PyTorch autograd on real mlearn Si configurations", "[nn][reference]", SchNet<double>,
                   SoapNet<double>) {
    using Oracle = TorchOracle<TestType>;
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
    const auto configs = eipnn::test::ModelFixture<TestType>::paper_configs();
    for (std::size_t variant = 0; variant < configs.size(); ++variant) {
        const auto& cfg = configs[variant];
        INFO(TestType::kind << " variant " << variant);
        TestType m(cfg, 17);
        Oracle::check_paper_sizes(m);
        const Host host{2};
        prepare_model_inputs(m, eipnn::test::prepared_set(s, cfg.cutoff), host);
        m.head_scale = {0.8, 1.9};
        m.head_ref = {-5.2, -4.1};
        for (std::size_t c = 0; c < m.bn.running_mean.size(); ++c) {
            m.bn.running_mean[c] = 0.1 * double(c);
            m.bn.running_var[c] = 1.0 + 0.01 * double(c);
        }
        const GraphBatch batch = make_graph_batch(s, cfg.cutoff);
        typename TestType::Forward fw;
        EnergyForces<double> ef;
        m.energy_forces(host, batch, fw, ef);  // fw: the forward of these weights

        const auto dir = eipnn::test::scratch_dir(str(TestType::kind, "_torch_", variant));
        write_model_weights(m, (dir / "weights.txt").string());
        std::vector<double> targets;
        std::vector<int> labels;
        for (std::size_t g = 0; g < s.size(); ++g) {
            targets.push_back(dft[g]);
            targets.push_back(-4.0 * double(s[g].size()));
            labels.push_back(int(g % std::size_t(cfg.n_classes)));
        }
        {
            std::ofstream f(dir / "batch.txt");
            f.precision(17);
            f << "graphs " << batch.n_graphs() << '\n';
            write_line(f, "numbers", batch.numbers);
            write_line(f, "graph_of_atom", batch.graph_of_atom);
            Oracle::write_input(f, batch, fw);
            write_line(f, "targets", targets);
            write_line(f, "labels", labels);
        }
        auto ref = run_script(Oracle::script, dir);

        compare("energies", fw.energies, ref["energies"]);
        REQUIRE(ref.count("forces") == (Oracle::forces ? 1u : 0u));
        if (Oracle::forces) compare("forces", ef.forces, ref["forces"]);

        std::vector<double> dL_dE(targets.size());
        for (std::size_t k = 0; k < targets.size(); ++k) dL_dE[k] = 2 * (fw.energies[k] - targets[k]) / double(targets.size());
        ParameterBuffer<double> grads(m.layout);
        m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
        for (const ParameterEntry& e : m.layout.entries()) {
            const MatrixView<const double> g = std::as_const(grads).at(e);
            // the classifier's are zero on both sides (no energy gradient), compared all the same
            compare("gradient of " + e.name, std::vector<double>(g.data, g.data + e.size()), ref[e.name]);
        }
        const std::vector<double> no_energy(dL_dE.size(), 0.0);
        for (bool training : {false, true}) {
            const std::string mode = training ? "train" : "eval";
            ClassifierSaved<double> cs;
            m.classifier_forward(host, batch, fw, training, cs);
            compare("logits (BatchNorm " + mode + ")", cs.logits, ref["logits_" + mode]);
            if (!Oracle::cross_entropy_gradients) continue;
            std::vector<double> dL_dlogits;
            cross_entropy(matrix_of(std::as_const(cs.logits), cfg.n_classes), labels, dL_dlogits);
            ParameterBuffer<double> cg(m.layout);
            const std::vector<double> dx = m.classifier_backward(host, batch, cs, dL_dlogits, &cg);
            m.backward(host, batch, fw, span_of(no_energy), &cg, nullptr, &dx);
            for (const ParameterEntry& e : m.layout.entries()) {
                const MatrixView<const double> g = std::as_const(cg).at(e);
                const std::string key = "cegrad_" + mode + ":" + e.name;
                REQUIRE(ref.count(key) == 1);
                compare("cross-entropy gradient (" + mode + ") of " + e.name, std::vector<double>(g.data, g.data + e.size()),
                        ref[key]);
            }
        }
        compare("running mean", m.bn.running_mean, ref["running_mean"]);
        compare("running var", m.bn.running_var, ref["running_var"]);
    }
}
