// The one host/device macro of the library and the index type.
// Portable headers use EIPNN_HD on every function a kernel may call; under nvcc it becomes
// __host__ __device__, under a plain C++ compiler just `inline` (so headers stay ODR-safe).
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define EIPNN_HD __host__ __device__ inline
#define EIPNN_ON_CUDA 1
#else
#define EIPNN_HD inline
#define EIPNN_ON_CUDA 0
#endif

namespace eipnn {
// Atoms and edges are counted in 32 bits: 2^31 directed edges is ~40 M atoms at 50 neighbours,
// well above what one structure or batch holds, and halves index traffic on the device.
using index_t = std::int32_t;
}  // namespace eipnn
