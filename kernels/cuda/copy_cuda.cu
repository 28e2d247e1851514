// The reference copy kernel of the memory-bound benchmarks: a grid-stride loop of uint4 copies.
#include "kernels/cuda/copy_cuda.h"
#include "kernels/cuda/device_utils.cuh"

namespace rlvr::cuda {
namespace {

__global__ void copy_kernel(uint4* dst, const uint4* src, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = src[i];
}

}  // namespace

void copy_device(void* dst, const void* src, size_t bytes) {
  RLVR_CHECK(bytes % 16 == 0 && reinterpret_cast<uintptr_t>(dst) % 16 == 0 && reinterpret_cast<uintptr_t>(src) % 16 == 0,
             "kernels", "copy_device needs 16-byte aligned pointers and sizes, got ", bytes, " bytes");
  const int64_t n = int64_t(bytes / 16);
  if (n == 0) return;
  int sms = 0, device = 0;
  RLVR_CUDA_CHECK(cudaGetDevice(&device));
  RLVR_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t want = (n + 255) / 256, cap = int64_t(sms) * 8;  // NOTE: 8 blocks per SM saturate HBM
  copy_kernel<<<unsigned(want < cap ? want : cap), 256>>>(static_cast<uint4*>(dst), static_cast<const uint4*>(src), n);
  check_launch();
}

}  // namespace rlvr::cuda
