// Fitting a model's fixed input transformation to its training data, before training. SchNet has
// none (its inputs are species and distances); SoapNet standardises its descriptors
// (train/soapnet_inputs.hpp adds that overload). The pipeline calls this for every model it builds.
#pragma once
#include "eipnn/core/host_backend.hpp"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/train/prepared_set.hpp"

namespace eipnn {

template <class T>
void prepare_model_inputs(SchNet<T>&, const PreparedSet&, const Host&) {}

}  // namespace eipnn
