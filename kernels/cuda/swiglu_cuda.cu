// CUDA SwiGLU: out = silu(gate) * up and its gradient (silu recomputed from gate).
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

__global__ void swiglu_forward_kernel(float* out, const float* gate, const float* up, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

// d silu(g)/dg = s * (1 + g * (1 - s)), s = sigmoid(g).
__global__ void swiglu_backward_kernel(float* dgate, float* dup, const float* dout, const float* gate,
                                       const float* up, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float g = gate[i], s = 1.0f / (1.0f + expf(-g));
  dgate[i] = dout[i] * up[i] * s * (1.0f + g * (1.0f - s));
  dup[i] = dout[i] * g * s;
}

}  // namespace

void swiglu_forward(Tensor& out, const Tensor& gate, const Tensor& up) {
  const int64_t n = gate.numel();
  if (n == 0) return;
  swiglu_forward_kernel<<<blocks_for(n, 256), 256>>>(out.data<float>(), gate.data<float>(), up.data<float>(), n);
  check_launch();
}

void swiglu_backward(Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up) {
  const int64_t n = gate.numel();
  if (n == 0) return;
  swiglu_backward_kernel<<<blocks_for(n, 256), 256>>>(dgate.data<float>(), dup.data<float>(), dout.data<float>(),
                                                      gate.data<float>(), up.data<float>(), n);
  check_launch();
}

}  // namespace rlvr::cuda
