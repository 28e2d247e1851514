// Private to kernels/cuda/: tile sizes and the shared-memory tile loader of the causal GQA
// attention kernels (attention_forward_cuda.cu, attention_backward_cuda.cu).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda_limits.h"

namespace rlvr::cuda::attn {

constexpr int kThreads = 256;          // 8 warps
constexpr int kRowsPerBlock = 8;       // query rows per block (one per warp) in forward / dq
constexpr int kKeysPerTile = 32;       // keys per shared-memory tile (one per lane)
constexpr int kMaxHeadDim = cuda_limits::kMaxHeadDim;
constexpr int kMaxPerLane = kMaxHeadDim / 32;  // head-dim elements each lane accumulates

// Copies rows [row0, row0 + rows) of a [n_rows, *] matrix (leading dimension ld_src, columns
// [col0, col0 + D)) into dst[r * ld_dst + d]; rows past n_rows read as 0.
__device__ inline void load_tile(float* dst, int ld_dst, const float* src, int64_t ld_src, int64_t col0,
                                 int64_t row0, int64_t n_rows, int rows, int D) {
  for (int e = threadIdx.x; e < rows * D; e += blockDim.x) {
    const int r = e / D, d = e % D;
    const int64_t row = row0 + r;
    dst[r * ld_dst + d] = row < n_rows ? src[row * ld_src + col0 + d] : 0.0f;
  }
}

// Raises a kernel's dynamic shared-memory limit when a tile set needs more than the default 48 KB.
template <typename Kernel>
inline void allow_shared_bytes(Kernel kernel, size_t bytes) {
  if (bytes > 48 * 1024)
    RLVR_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
}

}  // namespace rlvr::cuda::attn
