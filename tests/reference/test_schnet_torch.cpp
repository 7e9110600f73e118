// eipnn's SchNet against an independent PyTorch implementation (schnet_torch.py, autograd, float64)
// on identical weights and a batch of real mlearn Si configurations: energies, forces, parameter
// gradients of an MSE energy loss, classifier logits (BatchNorm in evaluation and training mode)
// and the updated running statistics. Agreement required: 1e-10 relative, per quantity, measured
// against the largest magnitude of that quantity (single entries can be cancellation-small).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "eipnn/io/extxyz.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/weights_io.hpp"
#include "support/test_support.hpp"

using namespace eipnn;

namespace {

std::map<std::string, std::vector<double>> read_output(const std::string& path) {
    std::map<std::string, std::vector<double>> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string key;
        ls >> key;
        if (key == "grad") ls >> key;  // parameter name
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
    double scale = 0, worst = 0;
    for (double t : torch) scale = std::max(scale, std::abs(t));
    for (std::size_t k = 0; k < ours.size(); ++k) worst = std::max(worst, std::abs(ours[k] - torch[k]));
    INFO(what << ": max |eipnn - torch| = " << worst << ", largest |torch| = " << scale);
    CHECK(worst <= 1e-10 * scale);
}

}  // namespace

TEST_CASE("SchNet matches PyTorch autograd on real mlearn Si configurations", "[nn][reference]") {
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
    SchNetConfig cfg;  // the paper's sizes
    cfg.n_heads = 2;
    cfg.n_classes = 4;
    for (bool residual : {false, true}) {
        cfg.residual = residual;
        SchNet<double> m(cfg, 17);
        m.head_scale = {0.8, 1.9};
        m.head_ref = {-5.2, -4.1};
        for (index_t c = 0; c < cfg.n_features; ++c) {
            m.bn.running_mean[std::size_t(c)] = 0.1 * c;
            m.bn.running_var[std::size_t(c)] = 1.0 + 0.01 * c;
        }
        const GraphBatch batch = make_graph_batch(s, cfg.cutoff);
        const auto dir = eipnn::test::scratch_dir(residual ? "schnet_torch_residual" : "schnet_torch");
        write_schnet_weights(m, (dir / "weights.txt").string());
        std::vector<double> targets;
        for (std::size_t g = 0; g < s.size(); ++g) {
            targets.push_back(dft[g]);
            targets.push_back(-4.0 * s[g].size());
        }
        {
            std::ofstream f(dir / "batch.txt");
            f.precision(17);
            f << "graphs " << batch.n_graphs() << '\n';
            write_line(f, "numbers", batch.numbers);
            write_line(f, "graph_of_atom", batch.graph_of_atom);
            write_line(f, "positions", batch.positions);
            std::vector<double> lat;
            for (const Mat3& L : batch.lattices)
                for (const Vec3& row : L) lat.insert(lat.end(), row.begin(), row.end());
            write_line(f, "lattices", lat);
            write_line(f, "centers", batch.centers);
            write_line(f, "neighbors", batch.neighbors);
            write_line(f, "shifts", batch.shifts);
            write_line(f, "targets", targets);
        }
        // round trip of the weights file
        const SchNet<double> loaded = read_schnet_weights<double>((dir / "weights.txt").string());
        CHECK(loaded.params.data == m.params.data);

        const std::string cmd = eipnn::test::python() + " " + (eipnn::test::test_dir() / "reference/schnet_torch.py").string() +
                                " " + (dir / "weights.txt").string() + " " + (dir / "batch.txt").string() + " " +
                                (dir / "torch.txt").string();
        REQUIRE(eipnn::test::run(cmd) == 0);
        auto ref = read_output((dir / "torch.txt").string());

        const Host host{2};
        SchNetForward<double> fw;
        EnergyForces<double> ef;
        m.energy_forces(host, batch, fw, ef);
        compare("energies", fw.energies, ref["energies"]);
        compare("forces", ef.forces, ref["forces"]);

        std::vector<double> dL_dE(targets.size());
        for (std::size_t k = 0; k < targets.size(); ++k) dL_dE[k] = 2 * (fw.energies[k] - targets[k]) / double(targets.size());
        ParameterBuffer<double> grads(m.layout);
        m.backward(host, batch, fw, span_of(std::as_const(dL_dE)), &grads, nullptr);
        for (const ParameterEntry& e : m.layout.entries()) {
            const MatrixView<const double> g = std::as_const(grads).at(e);
            compare("gradient of " + e.name, std::vector<double>(g.data, g.data + e.size()), ref[e.name]);
        }
        for (bool training : {false, true}) {
            ClassifierSaved<double> cs;
            m.classifier_forward(host, batch, fw, training, cs);
            compare(training ? "logits (BatchNorm training)" : "logits (BatchNorm evaluation)", cs.logits,
                    ref[training ? "logits_train" : "logits_eval"]);
        }
        compare("running mean", m.bn.running_mean, ref["running_mean"]);
        compare("running var", m.bn.running_var, ref["running_var"]);
    }
}
