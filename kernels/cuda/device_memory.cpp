// Device memory for CUDA tensors: allocation through the block cache (kernels/block_cache.h),
// copies and zeroing through the CUDA runtime.
#include <cuda_runtime.h>

#include <cstdlib>
#include <string>

#include "kernels/block_cache.h"
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

void select_cuda_device(int local_rank) {
  RLVR_CHECK(cuda_available(), "kernels", "select_cuda_device: ", "no CUDA device is present");
  int n = 0;
  RLVR_CUDA_CHECK(cudaGetDeviceCount(&n));
  RLVR_CUDA_CHECK(cudaSetDevice(local_rank % n));
}

namespace {

// RLVR_CUDA_CACHE=0 turns the cache off (every tensor its own cudaMalloc/cudaFree), which lets
// compute-sanitizer see each allocation's bounds.
bool cache_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("RLVR_CUDA_CACHE");
    return !(v && std::string(v) == "0");
  }();
  return on;
}

// Never destroyed: tensors held by static objects may be freed after main returns.
BlockCache& device_cache() {
  static BlockCache* cache = new BlockCache(
      [](size_t n) -> void* {
        void* p = nullptr;
        if (cudaMalloc(&p, n) != cudaSuccess) {
          cudaGetLastError();  // clear the sticky out-of-memory error before the retry
          return nullptr;
        }
        return p;
      },
      [](void* p) { cudaFree(p); });
  return *cache;
}

}  // namespace

void* cuda_malloc(size_t bytes) {
  RLVR_CHECK(cuda_available(), "kernels", "CUDA tensor requested: ", "no CUDA device is present");
  void* p = nullptr;
  if (!cache_enabled()) {
    RLVR_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }
  p = device_cache().allocate(bytes);
  if (!p) {
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    RLVR_FAIL("kernels", "CUDA out of memory",
              cat("allocating ", bytes, " bytes with ", device_cache().stats().bytes_in_use, " in use by tensors, ",
                  free_b, " of ", total_b, " free on the device"));
  }
  return p;
}

void cuda_free(void* p) {
  if (cache_enabled()) device_cache().free(p);
  else cudaFree(p);
}

BlockCacheStats cuda_memory_stats() { return cache_enabled() ? device_cache().stats() : BlockCacheStats{}; }

void cuda_copy(void* dst, const void* src, size_t bytes, Device dst_dev, Device src_dev) {
  cudaMemcpyKind kind = cudaMemcpyDeviceToDevice;
  if (src_dev == Device::CPU && dst_dev == Device::CUDA) kind = cudaMemcpyHostToDevice;
  if (src_dev == Device::CUDA && dst_dev == Device::CPU) kind = cudaMemcpyDeviceToHost;
  if (src_dev == Device::CPU && dst_dev == Device::CPU) kind = cudaMemcpyHostToHost;
  RLVR_CUDA_CHECK(cudaMemcpy(dst, src, bytes, kind));
}

void cuda_memset_zero(void* p, size_t bytes) { RLVR_CUDA_CHECK(cudaMemset(p, 0, bytes)); }

}  // namespace rlvr
