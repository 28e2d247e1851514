// CUDA elementwise ops and the F32 <-> BF16 conversions of Tensor::to(DType) for CUDA tensors.
#include <cuda_bf16.h>

#include <algorithm>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

__global__ void add_inplace_kernel(float* a, const float* b, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) a[i] += b[i];
}

__global__ void scale_inplace_kernel(float* a, float s, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) a[i] *= s;
}

// One partial sum per block (grid-stride over the input), in double.
constexpr int kSumThreads = 256, kSumBlocks = 264;
__global__ void sum_squares_kernel(double* partial, const float* a, int64_t n) {
  __shared__ double warp_sums[kSumThreads / 32];
  double s = 0;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    s += double(a[i]) * a[i];
  s = warp_sum(s);
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0;
    for (int w = 0; w < kSumThreads / 32; ++w) t += warp_sums[w];
    partial[blockIdx.x] = t;
  }
}

// Round to nearest even, NaN kept: __float2bfloat16_rn is what the CPU codec is tested against.
__global__ void f32_to_bf16_kernel(__nv_bfloat16* out, const float* in, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __float2bfloat16_rn(in[i]);
}

__global__ void bf16_to_f32_kernel(float* out, const __nv_bfloat16* in, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __bfloat162float(in[i]);
}

}  // namespace

void add_inplace(Tensor& a, const Tensor& b) {
  const int64_t n = a.numel();
  if (n == 0) return;
  add_inplace_kernel<<<blocks_for(n, 256), 256>>>(a.data<float>(), b.data<float>(), n);
  check_launch();
}

void scale_inplace(Tensor& a, float s) {
  const int64_t n = a.numel();
  if (n == 0) return;
  scale_inplace_kernel<<<blocks_for(n, 256), 256>>>(a.data<float>(), s, n);
  check_launch();
}

double sum_squares(const Tensor& a) {
  const int64_t n = a.numel();
  if (n == 0) return 0.0;
  const int blocks = int(std::min<int64_t>(kSumBlocks, blocks_for(n, kSumThreads)));
  // One buffer of partial sums per host thread, allocated once: the gradient norm calls this for
  // every parameter of every optimizer step.
  thread_local Tensor partial = Tensor::empty({kSumBlocks * 2}, DType::F32, Device::CUDA);  // kSumBlocks doubles
  sum_squares_kernel<<<blocks, kSumThreads>>>(static_cast<double*>(partial.raw()), a.data<float>(), n);
  check_launch();
  std::vector<double> host(static_cast<size_t>(blocks));
  RLVR_CUDA_CHECK(cudaMemcpy(host.data(), partial.raw(), sizeof(double) * size_t(blocks), cudaMemcpyDeviceToHost));
  double s = 0;
  for (double p : host) s += p;
  return s;
}

void convert_dtype(Tensor& out, const Tensor& in) {
  const int64_t n = in.numel();
  if (n == 0) return;
  if (in.dtype() == DType::F32 && out.dtype() == DType::BF16)
    f32_to_bf16_kernel<<<blocks_for(n, 256), 256>>>(static_cast<__nv_bfloat16*>(out.raw()), in.data<float>(), n);
  else if (in.dtype() == DType::BF16 && out.dtype() == DType::F32)
    bf16_to_f32_kernel<<<blocks_for(n, 256), 256>>>(out.data<float>(), static_cast<const __nv_bfloat16*>(in.raw()), n);
  else
    RLVR_FAIL("kernels", "CUDA tensor", "to(dtype): ", dtype_name(in.dtype()), " -> ", dtype_name(out.dtype()),
              " has no CUDA conversion (f32 <-> bf16 only)");
  check_launch();
}

}  // namespace rlvr::cuda
