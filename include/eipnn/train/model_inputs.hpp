// Fitting a model's fixed input transformation to its training data, before training (nn/model.hpp,
// fit_inputs: SchNet has none, SOAPNet standardises its descriptors). The pipeline and `eipnn
// train` call this for every model they build; inputs only, no labels.
#pragma once
#include <algorithm>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/nn/model.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

template <class Model>
void prepare_model_inputs(Model& m, const PreparedSet& train, const Host& host, std::size_t batch_size = 32) {
    static_assert(is_model_v<Model>, "prepare_model_inputs needs a model (nn/model.hpp)");
    const std::size_t n_batches = (train.size() + batch_size - 1) / batch_size;
    m.fit_inputs(host, index_t(n_batches), [&](index_t b) {
        std::vector<std::size_t> items;
        for (std::size_t k = std::size_t(b) * batch_size; k < std::min(train.size(), std::size_t(b + 1) * batch_size); ++k)
            items.push_back(k);
        return train.batch(items);
    });
}

}  // namespace eipnn
