// Check macros for CUDA runtime and cuBLASLt calls (failures throw rlvr::Error with the call), and
// the stream all our device work runs on.
#pragma once

#include <cuda_runtime.h>

#include "common/error.h"

namespace rlvr::cuda {
// The stream every kernel and tensor copy runs on: launches name no stream and nothing is built
// with per-thread default streams. Work on other streams (NCCL's) is ordered against this one.
inline const cudaStream_t kComputeStream = cudaStreamLegacy;
}  // namespace rlvr::cuda

#define RLVR_CUDA_CHECK(expr)                                                             \
  do {                                                                                    \
    cudaError_t rlvr_st_ = (expr);                                                        \
    if (rlvr_st_ != cudaSuccess)                                                          \
      throw ::rlvr::Error("cuda", #expr, __FILE__, __LINE__, cudaGetErrorString(rlvr_st_)); \
  } while (0)

#define RLVR_CUBLAS_CHECK(expr)                                                           \
  do {                                                                                    \
    cublasStatus_t rlvr_st_ = (expr);                                                     \
    if (rlvr_st_ != CUBLAS_STATUS_SUCCESS)                                                \
      throw ::rlvr::Error("cublasLt", #expr, __FILE__, __LINE__,                          \
                          ::rlvr::cat("status ", int(rlvr_st_)));                         \
  } while (0)
