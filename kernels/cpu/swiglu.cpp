// CPU SwiGLU: out = silu(gate) * up and its gradient (silu recomputed from gate).
#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"

namespace rlvr::cpu {

void swiglu_forward(Tensor& out, const Tensor& gate, const Tensor& up) {
  const int64_t n = gate.numel();
  const float* g = gate.data<float>();
  const float* u = up.data<float>();
  float* o = out.data<float>();
  for (int64_t i = 0; i < n; ++i) o[i] = g[i] / (1.0f + exp_fast(-g[i])) * u[i];
}

// d silu(g)/dg = s * (1 + g * (1 - s)), s = sigmoid(g).
void swiglu_backward(Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up) {
  const int64_t n = gate.numel();
  const float* g = gate.data<float>();
  const float* u = up.data<float>();
  const float* d = dout.data<float>();
  float* dg = dgate.data<float>();
  float* du = dup.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.0f / (1.0f + exp_fast(-g[i]));
    dg[i] = d[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    du[i] = d[i] * g[i] * s;
  }
}

}  // namespace rlvr::cpu
