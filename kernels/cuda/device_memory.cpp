// Device memory for CUDA tensors: allocation through the block cache (kernels/block_cache.h),
// copies and zeroing through the CUDA runtime.
#include <cuda_runtime.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "kernels/block_cache.h"
#include "kernels/device_choice.h"
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

uint64_t cuda_device_memory_bytes() {
  if (!cuda_available()) return 0;
  size_t free_b = 0, total_b = 0;
  return cudaMemGetInfo(&free_b, &total_b) == cudaSuccess ? uint64_t(total_b) : 0;
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

// cudaFree runs where nothing can throw (a tensor's destructor, maybe during another exception's
// unwinding): its first failure is kept here and thrown by the next allocation. (One that follows
// a kernel's fault repeats that fault's error, which the next checked call reports anyway.)
std::mutex free_error_mu;
std::string free_error;

void free_device(void* p) {
  const cudaError_t rc = cudaFree(p);
  if (rc == cudaSuccess) return;
  std::lock_guard<std::mutex> lock(free_error_mu);
  if (free_error.empty()) free_error = cudaGetErrorString(rc);
}

void throw_free_error() {
  std::lock_guard<std::mutex> lock(free_error_mu);
  if (free_error.empty()) return;
  const std::string what = std::exchange(free_error, std::string());
  RLVR_FAIL("cuda", "cudaFree failed", "an earlier free of device memory: ", what);
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
      free_device);
  return *cache;
}

}  // namespace

void* cuda_malloc(size_t bytes) {
  RLVR_CHECK(cuda_available(), "kernels", "CUDA tensor requested: ", "no CUDA device is present");
  throw_free_error();
  void* p = nullptr;
  if (!cache_enabled()) {
    RLVR_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }
  p = device_cache().allocate(bytes);
  if (!p) {
    size_t free_b = 0, total_b = 0;
    const cudaError_t info = cudaMemGetInfo(&free_b, &total_b);
    const std::string device =
        info == cudaSuccess ? cat(free_b, " of ", total_b, " free on the device")
                            : cat("free memory unknown (cudaMemGetInfo: ", cudaGetErrorString(info), ")");
    RLVR_FAIL("kernels", "CUDA out of memory",
              cat("allocating ", bytes, " bytes with ", device_cache().stats().bytes_in_use, " in use by tensors, ",
                  device));
  }
  return p;
}

void cuda_free(void* p) {
  if (cache_enabled()) device_cache().free(p);
  else free_device(p);
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
