// CUDA column-block copy between two row-major F32 matrices with the same row count (the
// per-head splits and joins of multi-head latent attention).
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

// One thread per copied element.
__global__ void copy_columns_kernel(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t R,
                                    int64_t n_cols, bool accumulate) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= R * n_cols) return;
  const int64_t r = idx / n_cols, j = idx % n_cols;
  const float v = src[r * ld_src + j];
  if (accumulate) dst[r * ld_dst + j] += v;
  else dst[r * ld_dst + j] = v;
}

}  // namespace

void copy_columns(Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols, bool accumulate) {
  const int64_t R = dst.dim(0);
  copy_columns_kernel<<<blocks_for(R * n_cols, 256), 256>>>(dst.data<float>() + dst_col, dst.dim(1),
                                                             src.data<float>() + src_col, src.dim(1), R, n_cols,
                                                             accumulate);
  check_launch();
}

}  // namespace rlvr::cuda
