// Device tests share one rule: without a usable GPU the case is skipped, never passed.
#pragma once
#include "eipnn/cuda/check.cuh"
#include "support/test_support.hpp"

namespace eipnn::test {
inline void require_gpu_or_skip() {
    if (!eipnn::gpu::device_available()) skip("no CUDA device on this machine; the device path was compiled but not run");
}
}  // namespace eipnn::test
