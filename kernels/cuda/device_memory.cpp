// Device memory for CUDA tensors: allocation, copies and zeroing through the CUDA runtime.
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/tensor.h"

namespace rlvr {

bool cuda_available() {
  static const bool available = [] {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  }();
  return available;
}

void* cuda_malloc(size_t bytes) {
  RLVR_CHECK(cuda_available(), "kernels", "CUDA tensor requested: ", "no CUDA device is present");
  void* p = nullptr;
  RLVR_CUDA_CHECK(cudaMalloc(&p, bytes));
  return p;
}

void cuda_free(void* p) { cudaFree(p); }

void cuda_copy(void* dst, const void* src, size_t bytes, Device dst_dev, Device src_dev) {
  cudaMemcpyKind kind = cudaMemcpyDeviceToDevice;
  if (src_dev == Device::CPU && dst_dev == Device::CUDA) kind = cudaMemcpyHostToDevice;
  if (src_dev == Device::CUDA && dst_dev == Device::CPU) kind = cudaMemcpyDeviceToHost;
  if (src_dev == Device::CPU && dst_dev == Device::CPU) kind = cudaMemcpyHostToHost;
  RLVR_CUDA_CHECK(cudaMemcpy(dst, src, bytes, kind));
}

void cuda_memset_zero(void* p, size_t bytes) { RLVR_CUDA_CHECK(cudaMemset(p, 0, bytes)); }

}  // namespace rlvr
