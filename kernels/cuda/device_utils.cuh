// Private to kernels/cuda/: device helpers shared by the op kernels (warp and block reductions,
// launch checks, the bad-index slot untrusted indices are reported through).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>

#include "kernels/cuda/cuda_check.h"
#include "kernels/tensor.h"

namespace rlvr::cuda {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr unsigned long long kNoBadIndex = ~0ull;

// Grid size for n elements at `threads` per block, at least 1.
inline unsigned blocks_for(int64_t n, int threads) { return unsigned(n <= 0 ? 1 : (n + threads - 1) / threads); }

inline void check_launch() { RLVR_CUDA_CHECK(cudaGetLastError()); }

// One launch's report of a bad untrusted index (a token id, a target, an expert id): the kernel
// records the smallest offending index in slot() instead of reading out of bounds; check(fail)
// then calls fail(i), which throws the CPU's message, for a reported i: at once (reading the slot
// waits for the kernel), or inside a DeferredIndexChecks scope when the scope checks
// (kernels/index_checks.h). fail may run later: it captures what its message needs by value.
class BadIndexReport {
 public:
  BadIndexReport();
  ~BadIndexReport();
  BadIndexReport(const BadIndexReport&) = delete;
  BadIndexReport& operator=(const BadIndexReport&) = delete;
  unsigned long long* slot() const;
  void check(std::function<void(int64_t)> fail);

 private:
  size_t index_ = 0;
  bool armed_ = false;
};

// One element of a device array, copied to the host (for error messages).
template <typename T>
T read_device_element(const T* p, int64_t i) {
  T v{};
  RLVR_CUDA_CHECK(cudaMemcpy(&v, p + i, sizeof(T), cudaMemcpyDeviceToHost));
  return v;
}

__device__ inline void report_bad_index(unsigned long long* slot, int64_t i) {
  atomicMin(slot, static_cast<unsigned long long>(i));
}

__device__ inline float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}
__device__ inline double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}
__device__ inline float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// Block-wide reductions for blockDim.x a multiple of 32 (at most 1024); every thread gets the
// result. `scratch` holds 32 values; the trailing barrier makes it reusable at once.
template <typename T, typename Op>
__device__ inline T block_reduce(T v, T* scratch, Op op) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, o));
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = scratch[0];
  for (int w = 1; w < n_warps; ++w) r = op(r, scratch[w]);
  __syncthreads();
  return r;
}

struct SumOp {
  template <typename T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

}  // namespace rlvr::cuda
