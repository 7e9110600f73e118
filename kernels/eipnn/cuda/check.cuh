// Checking CUDA calls. Host code only: device code never throws (DESIGN habit 12).
// Every runtime call and every launch is checked; launches synchronise only when
// EIPNN_CUDA_SYNC_CHECKS is defined (a debug mode that pins an asynchronous fault to its launch).
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "eipnn/core/error.hpp"

namespace eipnn::gpu {

inline void check(cudaError_t status, const char* call, const char* file, int line) {
    if (status != cudaSuccess)
        throw Error(str(call, " failed: ", cudaGetErrorName(status), " (", cudaGetErrorString(status), ")"),
                    str(file, ":", line),
                    "check that a CUDA device is present and the driver matches the toolkit; "
                    "define EIPNN_CUDA_SYNC_CHECKS to locate asynchronous faults");
}

inline void check_launch(const char* kernel, const char* file, int line) {
    check(cudaGetLastError(), kernel, file, line);
#if defined(EIPNN_CUDA_SYNC_CHECKS)
    check(cudaDeviceSynchronize(), kernel, file, line);
#endif
}

// True when at least one CUDA device can be used; tests skip otherwise.
inline bool device_available() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky "no device / no driver" status
        return false;
    }
    return count > 0;
}

}  // namespace eipnn::gpu

#define EIPNN_CUDA_CHECK(call) ::eipnn::gpu::check((call), #call, __FILE__, __LINE__)
#define EIPNN_CUDA_CHECK_LAUNCH(name) ::eipnn::gpu::check_launch((name), __FILE__, __LINE__)
