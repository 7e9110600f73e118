// cuBLAS for the Cuda backend's gemm (backend.cuh): a handle owned by a small RAII class, and
// row-major GEMMs on the library's views. cuBLAS is column-major; a row-major (m, n) matrix is the column-major (n, m)
// matrix with the same bytes, so C = op(A) op(B) in row-major is C^T = op(B)^T op(A)^T in
// column-major: the call below swaps the operands and never transposes data.
#pragma once
#include <cublas_v2.h>

#include "eipnn/core/error.hpp"
#include "eipnn/core/view.hpp"
#include "eipnn/cuda/check.cuh"

namespace eipnn::gpu {

inline void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
    if (status != CUBLAS_STATUS_SUCCESS)
        throw Error(str(call, " failed: cuBLAS status ", int(status)), str(file, ":", line),
                    "check that a CUDA device is present and that the matrix shapes are consistent");
}

#define EIPNN_CUBLAS_CHECK(call) ::eipnn::gpu::check_cublas((call), #call, __FILE__, __LINE__)

// Owns one cuBLAS handle bound to a stream. Not copyable; movable.
class CublasHandle {
public:
    explicit CublasHandle(cudaStream_t stream = nullptr) {
        EIPNN_CUBLAS_CHECK(cublasCreate(&handle_));
        EIPNN_CUBLAS_CHECK(cublasSetStream(handle_, stream));
    }
    CublasHandle(const CublasHandle&) = delete;
    CublasHandle& operator=(const CublasHandle&) = delete;
    CublasHandle(CublasHandle&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }
    CublasHandle& operator=(CublasHandle&& o) noexcept {
        if (this != &o) {
            release();
            handle_ = o.handle_;
            o.handle_ = nullptr;
        }
        return *this;
    }
    ~CublasHandle() { release(); }
    cublasHandle_t get() const { return handle_; }

private:
    void release() {
        if (handle_) cublasDestroy(handle_);  // never throws from a destructor
        handle_ = nullptr;
    }
    cublasHandle_t handle_ = nullptr;
};

namespace detail {
inline cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                const float* alpha, const float* A, int lda, const float* B, int ldb,
                                const float* beta, float* C, int ldc) {
    return cublasSgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
inline cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                const double* alpha, const double* A, int lda, const double* B, int ldb,
                                const double* beta, double* C, int ldc) {
    return cublasDgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
}  // namespace detail

// Row-major C = op(A) op(B) (+ C when accumulate) on device views; op = transpose when asked.
// Shapes: op(A) (m, k), op(B) (k, n), C (m, n).
template <class T>
void gemm(cublasHandle_t handle, MatrixView<const T> A, bool transpose_a, MatrixView<const T> B,
          bool transpose_b, MatrixView<T> C, bool accumulate) {
    const index_t m = C.rows, n = C.cols;
    const index_t k = transpose_a ? A.rows : A.cols;
    const index_t a_rows = transpose_a ? A.cols : A.rows, b_rows = transpose_b ? B.cols : B.rows,
                  b_cols = transpose_b ? B.rows : B.cols;
    if (a_rows != m || b_rows != k || b_cols != n)
        throw Error(str("shapes do not chain: op(A) (", a_rows, ", ", k, "), op(B) (", b_rows, ", ", b_cols, "), C (",
                        m, ", ", n, ")"),
                    "gpu::gemm", "pass matrices with op(A) (m, k), op(B) (k, n), C (m, n)");
    if (m == 0 || n == 0) return;
    const T alpha = T(1), beta = accumulate ? T(1) : T(0);
    // column-major: C^T (n, m) = op(B)^T (n, k) op(A)^T (k, m)
    EIPNN_CUBLAS_CHECK(detail::gemm_call(handle, transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                         transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, int(n), int(m), int(k), &alpha,
                                         B.data, int(B.cols > 0 ? B.cols : 1), A.data, int(A.cols > 0 ? A.cols : 1),
                                         &beta, C.data, int(n)));
}

}  // namespace eipnn::gpu
