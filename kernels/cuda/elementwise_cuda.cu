// CUDA elementwise ops and the F32 <-> BF16 conversions of Tensor::to(DType) for CUDA tensors.
#include <cuda_bf16.h>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

__global__ void add_inplace_kernel(float* a, const float* b, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) a[i] += b[i];
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
