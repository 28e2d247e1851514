// CUDA AdamW over FP32 master weights with BF16 moments, bit-identical to the CPU step.
#include <cmath>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

__device__ inline float bf16_to_float(unsigned short b) { return __uint_as_float(unsigned(b) << 16); }

// Round to nearest even; NaN becomes the canonical 0x7fff, as on the CPU.
__device__ inline unsigned short float_to_bf16(float f) {
  const unsigned u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
  return static_cast<unsigned short>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// NOTE: every operation spelled with an _rn intrinsic, fused exactly where GCC fuses the CPU loop
// (-O3 -mfma contracts b1*m + (1-b1)*g, the v update, the denominator and w*decay - update;
// seen in its disassembly): a one-ulp difference in a moment can flip its BF16 rounding.
__global__ void adamw_kernel(float* w, const float* g, unsigned short* m, unsigned short* v, int64_t n, float b1,
                             float b2, float eps, float step_size, float inv_sqrt_bc2, float decay) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float gi = g[i];
  const float mi = __fmaf_rn(b1, bf16_to_float(m[i]), __fmul_rn(__fsub_rn(1.0f, b1), gi));
  const float vi = __fmaf_rn(b2, bf16_to_float(v[i]), __fmul_rn(__fmul_rn(__fsub_rn(1.0f, b2), gi), gi));
  const float denom = __fmaf_rn(__fsqrt_rn(vi), inv_sqrt_bc2, eps);
  w[i] = __fmaf_rn(w[i], decay, -__fdiv_rn(__fmul_rn(step_size, mi), denom));
  m[i] = float_to_bf16(mi);
  v[i] = float_to_bf16(vi);
}

}  // namespace

void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p) {
  const int64_t n = param.numel();
  if (n == 0) return;
  // Scalars exactly as the CPU computes them (its 1 - lr * wd is fused too).
  const float bc1 = float(1.0 - std::pow(double(p.beta1), double(p.step)));
  const float bc2 = float(1.0 - std::pow(double(p.beta2), double(p.step)));
  const float step_size = p.lr / bc1, inv_sqrt_bc2 = 1.0f / std::sqrt(bc2), decay = std::fma(-p.lr, p.weight_decay, 1.0f);
  adamw_kernel<<<blocks_for(n, 256), 256>>>(param.data<float>(), grad.data<float>(),
                                            reinterpret_cast<unsigned short*>(m.data<bf16>()),
                                            reinterpret_cast<unsigned short*>(v.data<bf16>()), n, p.beta1, p.beta2,
                                            p.eps, step_size, inv_sqrt_bc2, decay);
  check_launch();
}

}  // namespace rlvr::cuda
