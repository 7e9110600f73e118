// The parts of the SchNet model (schnet.hpp) that do not compute: its configuration, the
// parameter names and the per-block parameter views. Portable (no
// Eigen), so the device model (kernels/eipnn/cuda/nn_schnet.cuh) shares them.
#pragma once
#include <string>
#include <vector>

#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/nn/cfconv_functors.hpp"
#include "eipnn/nn/energy_forces.hpp"
#include "eipnn/nn/parameter_names.hpp"

namespace eipnn {

struct SchNetConfig {
    std::vector<int> species{14};   // atomic numbers, one embedding row each
    double cutoff = 5.0;            // Å
    index_t n_features = 128;
    index_t n_rbf = 128;
    double rbf_width = 0;           // Å; 0 = the centres' spacing
    index_t n_interactions = 5;
    bool residual = false;
    index_t head_hidden = 128;
    index_t n_heads = 1;            // K parallel energy heads (pretraining on K EIPs)
    index_t n_classes = 0;          // classifier logits (K+1); 0 = no classifier
    index_t classifier_hidden = 128;

    // The backbone's fields by their text-weights keys (nn/model.hpp adds the common ones).
    template <class F>
    void visit_backbone_fields(F&& f) {
        f("features", n_features);
        f("rbf", n_rbf);
        f("rbf_width", rbf_width);
        f("interactions", n_interactions);
        f("residual", residual);
    }
    template <class F>
    void visit_backbone_fields(F&& f) const { const_cast<SchNetConfig*>(this)->visit_backbone_fields(f); }

    void validate() const {
        const char* where = "SchNetConfig";
        if (species.empty()) throw Error("no species", where, "list the atomic numbers the model covers");
        if (!(cutoff > 0)) throw Error(str("cutoff ", cutoff, " must be positive"), where);
        if (n_features < 1 || n_rbf < 2 || n_interactions < 0 || head_hidden < 1 || n_heads < 1 || n_classes < 0 ||
            classifier_hidden < 1)
            throw Error(str("invalid sizes: features ", n_features, ", rbf ", n_rbf, ", interactions ", n_interactions,
                            ", head_hidden ", head_hidden, ", heads ", n_heads, ", classes ", n_classes),
                        where, "features, hidden sizes and heads >= 1, rbf >= 2, interactions and classes >= 0");
    }
};

inline std::string schnet_block_prefix(index_t t) { return str("interaction", t, "."); }

// One interaction block's parameters (interaction.hpp) and gradients to accumulate into.
template <class T>
struct InteractionParams {
    FilterParams<T> filter;
    MatrixView<const T> W_in;            // (F, F)
    MatrixView<const T> W_o1, b_o1;      // (F, F), (1, F)
    MatrixView<const T> W_o2, b_o2;      // (F, F), (1, F)
};

template <class T>
struct InteractionGrads {
    FilterGrads<T> filter;
    MatrixView<T> W_in, W_o1, b_o1, W_o2, b_o2;
};

}  // namespace eipnn
