// The training objectives of METHOD.md's strategies, as pieces the trainer plugs in:
//  - the auxiliary classifier (softmax cross-entropy over K+1 classes on the shared backbone,
//    chosen by validation accuracy);
//  - the weak-label loss, MSE(DFT items) + alpha·(|D_train|/|D_weak|)·mean Tukey(weak items);
//  - K-head pretraining on EIP energies with invalid entries masked.
// The transfer of a pretrained backbone is the models' own (nn/model.hpp, transfer_backbone).
#pragma once
#include <cmath>
#include <vector>

#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/energy_trainer.hpp"
#include "eipnn/train/losses.hpp"

namespace eipnn {

// ---- auxiliary classifier ------------------------------------------------------------------

// Batch step: backbone forward, classifier forward (batch statistics), cross-entropy, classifier
// backward into dL/dx, backbone backward with no energy term. labels: class per training item.
template <class Model>
ModelBatchStep<Model> classifier_step(const std::vector<int>& labels) {
    using T = typename Model::Scalar;
    return [&labels](const Host& host, Model& model, const GraphBatch& batch, const std::vector<std::size_t>& items,
                     ParameterBuffer<T>& grads) {
        typename Model::Forward fw;
        model.forward(host, batch, fw);
        ClassifierSaved<T> sv;
        model.classifier_forward(host, batch, fw, true, sv);
        std::vector<int> y;
        for (std::size_t i : items) y.push_back(labels.at(i));
        std::vector<T> dL_dlogits;
        const double loss = cross_entropy(matrix_of(std::as_const(sv.logits), model.config.n_classes), y, dL_dlogits);
        if (!std::isfinite(loss)) return loss;
        const std::vector<T> dx = model.classifier_backward(host, batch, sv, dL_dlogits, &grads);
        const std::vector<double> zero(std::size_t(batch.n_graphs()) * std::size_t(model.config.n_heads), 0.0);
        model.backward(host, batch, fw, span_of(zero), &grads, nullptr, &dx);
        return loss;
    };
}

// Predicted class of every configuration of a set (BatchNorm in evaluation mode).
template <class Model>
std::vector<int> predict_classes(Model& model, const PreparedSet& set, const Host& host, std::size_t batch_size = 32) {
    std::vector<int> out(set.size());
    typename Model::Forward fw;
    ClassifierSaved<typename Model::Scalar> sv;
    const index_t C = model.config.n_classes;
    for_each_batch(set.size(), batch_size, [&](const std::vector<std::size_t>& items) {
        const GraphBatch batch = set.batch(items);
        model.forward(host, batch, fw);
        model.classifier_forward(host, batch, fw, false, sv);
        for (std::size_t k = 0; k < items.size(); ++k) {
            index_t arg = 0;
            for (index_t c = 1; c < C; ++c)
                if (sv.logits[k * std::size_t(C) + std::size_t(c)] > sv.logits[k * std::size_t(C) + std::size_t(arg)]) arg = c;
            out[items[k]] = int(arg);
        }
    });
    return out;
}

// The same for a set spread over ranks: each rank predicts the configurations it owns, one per
// evaluation batch (so a prediction does not depend on which rank makes it); every rank gets all.
template <class Model>
std::vector<int> predict_classes(Model& model, const ShardedSet& set, const Host& host, std::size_t = 32) {
    typename Model::Forward fw;
    ClassifierSaved<typename Model::Scalar> sv;
    const index_t C = model.config.n_classes;
    const std::vector<double> classes = set.map_owned(1, [&](std::size_t, std::size_t h, std::vector<double>& out) {
        const GraphBatch batch = set.held().batch({h});
        model.forward(host, batch, fw);
        model.classifier_forward(host, batch, fw, false, sv);
        index_t arg = 0;
        for (index_t c = 1; c < C; ++c)
            if (sv.logits[std::size_t(c)] > sv.logits[std::size_t(arg)]) arg = c;
        out.push_back(double(arg));
    });
    return std::vector<int>(classes.begin(), classes.end());
}

// Validation metric: 1 - accuracy (lower is better, as the trainer expects).
template <class Model, class Set>
ModelValidator<Model> classifier_error_rate(const Set& valid, const std::vector<int>& valid_labels,
                                            std::size_t batch_size) {
    return [&valid, &valid_labels, batch_size](const Host& host, Model& model) {
        const std::vector<int> p = predict_classes(model, valid, host, batch_size);
        std::size_t right = 0;
        for (std::size_t i = 0; i < p.size(); ++i) right += p[i] == valid_labels[i];
        return 1.0 - double(right) / double(p.size());
    };
}

// ---- weak labels ---------------------------------------------------------------------------

// The training set is DFT items followed by weak items; labels are total energies (eV) in the
// set (a PreparedSet or a ShardedSet); is_weak marks the weak ones. MSE in units of the model's output scale on DFT items
// of the batch; Tukey biweight with the batch's MAD on its weak items. dft_term = false leaves the
// DFT items out (training on forces: train/force_loss.hpp's terms cover them, and the trainer adds
// this loss for the weak items).
template <class Model, class Set>
BatchLoss weak_label_loss(const Model& model, const Set& train, const std::vector<char>& is_weak,
                          double alpha, bool dft_term = true) {
    std::size_t n_weak = 0;
    for (char w : is_weak) n_weak += w != 0;
    const double ratio = n_weak ? double(is_weak.size() - n_weak) / double(n_weak) : 0.0;  // |D_train| / |D_weak|
    return [&model, &train, &is_weak, alpha, ratio, dft_term](const std::vector<std::size_t>& items,
                                                    const std::vector<double>& predicted, std::vector<double>& dL_dE) {
        const std::size_t K = std::size_t(model.config.n_heads), G = items.size();
        const double s = model.head_scale[0];
        dL_dE.assign(G * K, 0.0);
        std::vector<double> dft_pred, dft_label, weak_pred, weak_label;
        std::vector<std::size_t> dft_pos, weak_pos;
        for (std::size_t g = 0; g < G; ++g) {
            const double p = predicted[g * K] / s, y = energy_label(train, items[g]) / s;
            if (is_weak[items[g]]) {
                weak_pred.push_back(p);
                weak_label.push_back(y);
                weak_pos.push_back(g);
            } else {
                dft_pred.push_back(p);
                dft_label.push_back(y);
                dft_pos.push_back(g);
            }
        }
        double loss = 0;
        std::vector<double> grad;
        if (!dft_pred.empty() && dft_term) {
            loss += mse_loss(dft_pred, dft_label, grad);
            for (std::size_t k = 0; k < dft_pos.size(); ++k) dL_dE[dft_pos[k] * K] = grad[k] / s;
        }
        if (!weak_pred.empty() && alpha > 0) {
            const double scale = tukey_scale(weak_pred, weak_label);
            loss += alpha * ratio * tukey_loss(weak_pred, weak_label, scale, grad);
            for (std::size_t k = 0; k < weak_pos.size(); ++k) dL_dE[weak_pos[k] * K] = alpha * ratio * grad[k] / s;
        }
        return loss;
    };
}

// ---- pretraining on K EIPs -----------------------------------------------------------------

// labels (n_configs, K) total eV; valid (n_configs, K) mask. Mean over the batch's valid pairs of
// ((prediction - label) / scale_k)^2.
template <class Model>
BatchLoss multihead_mse_loss(const Model& model, const std::vector<double>& labels, const std::vector<char>& valid) {
    return [&model, &labels, &valid](const std::vector<std::size_t>& items, const std::vector<double>& predicted,
                                     std::vector<double>& dL_dE) {
        const std::size_t K = std::size_t(model.config.n_heads), G = items.size();
        dL_dE.assign(G * K, 0.0);
        std::size_t n = 0;
        for (std::size_t g = 0; g < G; ++g)
            for (std::size_t k = 0; k < K; ++k) n += valid[items[g] * K + k] != 0;
        if (n == 0) return 0.0;
        double loss = 0;
        for (std::size_t g = 0; g < G; ++g)
            for (std::size_t k = 0; k < K; ++k) {
                if (!valid[items[g] * K + k]) continue;
                const double s = model.head_scale[k];
                const double d = (predicted[g * K + k] - labels[items[g] * K + k]) / s;
                loss += d * d;
                dL_dE[g * K + k] = 2.0 * d / (s * double(n));
            }
        return loss / double(n);
    };
}

// Validation: mean absolute EIP-energy error per atom (meV/atom) over valid (config, EIP) pairs.
template <class Model>
ModelValidator<Model> multihead_mae(const PreparedSet& valid_set, const std::vector<double>& labels,
                                    const std::vector<char>& valid, std::size_t batch_size) {
    return [&valid_set, &labels, &valid, batch_size](const Host& host, Model& model) {
        const std::size_t K = std::size_t(model.config.n_heads);
        double sum = 0;
        std::size_t n = 0;
        typename Model::Forward fw;
        for_each_batch(valid_set.size(), batch_size, [&](const std::vector<std::size_t>& items) {
            model.forward(host, valid_set.batch(items), fw);
            for (std::size_t g = 0; g < items.size(); ++g)
                for (std::size_t k = 0; k < K; ++k)
                    if (valid[items[g] * K + k]) {
                        sum += std::abs(fw.energies[g * K + k] - labels[items[g] * K + k]) /
                               double(valid_set.structures[items[g]].size());
                        ++n;
                    }
        });
        return n ? 1e3 * sum / double(n) : 0.0;
    };
}

// The same for a set spread over ranks: per configuration it owns, each rank sums its errors over
// the valid EIPs (one configuration per evaluation batch); the sums are added in set order.
template <class Model>
ModelValidator<Model> multihead_mae(const ShardedSet& valid_set, const std::vector<double>& labels,
                                    const std::vector<char>& valid, std::size_t) {
    return [&valid_set, &labels, &valid](const Host& host, Model& model) {
        const std::size_t K = std::size_t(model.config.n_heads);
        typename Model::Forward fw;
        const std::vector<double> per = valid_set.map_owned(2, [&](std::size_t i, std::size_t h, std::vector<double>& out) {
            model.forward(host, valid_set.held().batch({h}), fw);
            double sum = 0, n = 0;
            for (std::size_t k = 0; k < K; ++k)
                if (valid[i * K + k]) {
                    sum += std::abs(fw.energies[k] - labels[i * K + k]) / double(valid_set.info[i].n_atoms());
                    n += 1;
                }
            out.insert(out.end(), {sum, n});
        });
        double sum = 0, n = 0;
        for (std::size_t i = 0; i < valid_set.size(); ++i) {
            sum += per[2 * i];
            n += per[2 * i + 1];
        }
        return n > 0 ? 1e3 * sum / n : 0.0;
    };
}

}  // namespace eipnn
