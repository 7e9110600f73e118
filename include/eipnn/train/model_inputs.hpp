// Fitting a model's fixed input transformation to its training data, before training (nn/model.hpp,
// fit_inputs: SchNet has none, SOAPNet standardises its descriptors). The pipeline and `eipnn
// train` call this for every model they build; inputs only, no labels.
#pragma once
#include <algorithm>

#include "eipnn/core/host_backend.hpp"
#include "eipnn/nn/model.hpp"
#include "eipnn/parallel/sharded_set.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

namespace detail {
// fit_inputs over consecutive batches of batch_size items of a set of n; batch_of(items) assembles one.
template <class Model, class BatchOf>
void fit_inputs_in_batches(Model& m, std::size_t n, const Host& host, std::size_t batch_size, BatchOf&& batch_of) {
    static_assert(is_model_v<Model>, "prepare_model_inputs needs a model (nn/model.hpp)");
    const std::size_t n_batches = (n + batch_size - 1) / batch_size;
    m.fit_inputs(host, index_t(n_batches), [&](index_t b) {
        std::vector<std::size_t> items;
        for (std::size_t k = std::size_t(b) * batch_size; k < std::min(n, std::size_t(b + 1) * batch_size); ++k)
            items.push_back(k);
        return batch_of(items);
    });
}
}  // namespace detail

template <class Model>
void prepare_model_inputs(Model& m, const PreparedSet& train, const Host& host, std::size_t batch_size = 32) {
    detail::fit_inputs_in_batches(m, train.size(), host, batch_size,
                                  [&](const std::vector<std::size_t>& items) { return train.batch(items); });
}

// A set spread over MPI ranks: every rank fits on the same batches, each gathered from the ranks
// that hold it (collectively), so every rank computes the fit of the whole set above.
template <class Model>
void prepare_model_inputs(Model& m, const ShardedSet& train, const Host& host, std::size_t batch_size = 32) {
    detail::fit_inputs_in_batches(m, train.size(), host, batch_size, [&](const std::vector<std::size_t>& items) {
        std::vector<std::size_t> positions(items.size());
        for (std::size_t k = 0; k < items.size(); ++k) positions[k] = k;
        return train.gather(items, 0, items.size(), host).batch(positions);
    });
}

}  // namespace eipnn
