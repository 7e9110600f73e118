// The __global__ entry points: a grid-stride trampoline that calls a portable functor once per
// index. No policy here (block size, grid size are chosen by the caller in backend.cuh).
#pragma once
#include "eipnn/core/config.hpp"

namespace eipnn::gpu {

template <class F>
__global__ void for_each_kernel(F f, index_t n) {
    const index_t stride = index_t(blockDim.x) * index_t(gridDim.x);
    for (index_t i = index_t(blockIdx.x) * index_t(blockDim.x) + index_t(threadIdx.x); i < n; i += stride) f(i);
}

}  // namespace eipnn::gpu
