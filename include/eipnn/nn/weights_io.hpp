// SchNet weights as text, so other programs (the PyTorch reference test, checkpoints people read)
// load exactly what eipnn computes with. Format, one record per line, numbers in %.17g:
//   eipnn-schnet 1
//   species <n> <Z...>
//   config cutoff <Å> features <F> rbf <K> rbf_width <Å, 0 = spacing> interactions <T>
//          residual <0|1> head_hidden <H> heads <n> classes <C> classifier_hidden <H>   (one line)
//   head_scale <n_heads values>
//   head_ref <n_heads * n_species values, head-major>
//   bn_running_mean <F values>          (only with a classifier)
//   bn_running_var <F values>           (only with a classifier)
//   param <name> <rows> <cols> <rows*cols values, row-major>   (one line per entry)
// Dense weights are (in, out): y = x W + b (nn.Linear's weight is W^T).
#pragma once
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/nn/schnet.hpp"

namespace eipnn {

template <class T>
void write_schnet_weights(const SchNet<T>& m, const std::string& path) {
    std::ofstream out(path);
    if (!out) throw Error(str("cannot open '", path, "' for writing"), "write_schnet_weights", "check the directory");
    out.precision(17);
    const SchNetConfig& c = m.config;
    out << "eipnn-schnet 1\nspecies " << c.species.size();
    for (int z : c.species) out << ' ' << z;
    out << "\nconfig cutoff " << c.cutoff << " features " << c.n_features << " rbf " << c.n_rbf << " rbf_width "
        << c.rbf_width << " interactions " << c.n_interactions << " residual " << (c.residual ? 1 : 0)
        << " head_hidden " << c.head_hidden << " heads " << c.n_heads << " classes " << c.n_classes
        << " classifier_hidden " << c.classifier_hidden << "\nhead_scale";
    for (double v : m.head_scale) out << ' ' << v;
    out << "\nhead_ref";
    for (double v : m.head_ref) out << ' ' << v;
    out << '\n';
    if (c.n_classes > 0) {
        out << "bn_running_mean";
        for (T v : m.bn.running_mean) out << ' ' << double(v);
        out << "\nbn_running_var";
        for (T v : m.bn.running_var) out << ' ' << double(v);
        out << '\n';
    }
    for (const ParameterEntry& e : m.layout.entries()) {
        out << "param " << e.name << ' ' << e.rows << ' ' << e.cols;
        const MatrixView<const T> v = m.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) out << ' ' << double(v.data[k]);
        out << '\n';
    }
    if (!out) throw Error(str("writing '", path, "' failed"), "write_schnet_weights", "check free disk space");
}

template <class T>
SchNet<T> read_schnet_weights(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(str("cannot open '", path, "'"), "read_schnet_weights", "check the path");
    std::string line, key;
    auto fail = [&](const std::string& what) {
        return Error(what, str("read_schnet_weights (", path, ")"), "the file must be written by write_schnet_weights");
    };
    if (!std::getline(in, line) || line != "eipnn-schnet 1") throw fail("missing header 'eipnn-schnet 1'");
    SchNetConfig c;
    std::vector<double> scale, ref, rmean, rvar;
    std::vector<std::string> params;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        ls >> key;
        if (key == "species") {
            std::size_t n;
            ls >> n;
            c.species.assign(n, 0);
            for (int& z : c.species) ls >> z;
        } else if (key == "config") {
            std::string k;
            int residual = 0;
            while (ls >> k) {
                if (k == "cutoff") ls >> c.cutoff;
                else if (k == "features") ls >> c.n_features;
                else if (k == "rbf") ls >> c.n_rbf;
                else if (k == "rbf_width") ls >> c.rbf_width;
                else if (k == "interactions") ls >> c.n_interactions;
                else if (k == "residual") ls >> residual;
                else if (k == "head_hidden") ls >> c.head_hidden;
                else if (k == "heads") ls >> c.n_heads;
                else if (k == "classes") ls >> c.n_classes;
                else if (k == "classifier_hidden") ls >> c.classifier_hidden;
                else throw fail(str("unknown config key '", k, "'"));
            }
            c.residual = residual != 0;
        } else if (key == "head_scale" || key == "head_ref" || key == "bn_running_mean" || key == "bn_running_var") {
            std::vector<double>& dst = key == "head_scale" ? scale : key == "head_ref" ? ref : key == "bn_running_mean" ? rmean : rvar;
            double v;
            while (ls >> v) dst.push_back(v);
        } else if (key == "param") {
            params.push_back(line);
        } else if (!key.empty()) {
            throw fail(str("unknown record '", key, "'"));
        }
        if (ls.fail() && !ls.eof()) throw fail(str("unreadable line: ", line.substr(0, 80)));
    }
    SchNet<T> m(c);
    if (scale.size() != m.head_scale.size() || ref.size() != m.head_ref.size())
        throw fail("head_scale / head_ref sizes do not match the config");
    m.head_scale = scale;
    m.head_ref = ref;
    if (c.n_classes > 0) {
        if (rmean.size() != std::size_t(c.n_features) || rvar.size() != std::size_t(c.n_features))
            throw fail("BatchNorm running statistics missing or of the wrong size");
        for (std::size_t k = 0; k < rmean.size(); ++k) {
            m.bn.running_mean[k] = T(rmean[k]);
            m.bn.running_var[k] = T(rvar[k]);
        }
    }
    if (params.size() != m.layout.entries().size())
        throw fail(str(params.size(), " parameters in the file, the config needs ", m.layout.entries().size()));
    for (const std::string& p : params) {
        std::istringstream ls(p);
        std::string tag, name;
        index_t rows, cols;
        ls >> tag >> name >> rows >> cols;
        const ParameterEntry& e = m.layout.entry(name);
        if (e.rows != rows || e.cols != cols)
            throw fail(str("parameter '", name, "' is (", rows, ", ", cols, "), the config needs (", e.rows, ", ", e.cols, ")"));
        MatrixView<T> v = m.params.at(e);
        for (index_t k = 0; k < e.size(); ++k) {
            double x;
            if (!(ls >> x)) throw fail(str("parameter '", name, "' has fewer than ", e.size(), " values"));
            v.data[k] = T(x);
        }
    }
    return m;
}

}  // namespace eipnn
