// Names of the output side's parameters in a model's flat buffer, shared by the host models
// (output_heads.hpp) and the device ones (kernels/), so both find the same entries.
#pragma once
#include <string>

#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"

namespace eipnn {

inline std::string energy_head_prefix(index_t k) { return str("head", k, "."); }

}  // namespace eipnn
