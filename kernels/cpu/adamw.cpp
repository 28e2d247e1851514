// CPU AdamW over FP32 master weights with BF16 moments (update in FP32, moments rounded on store).
#include <cmath>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/fp_codec.h"

namespace rlvr::cpu {

void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p) {
  const int64_t n = param.numel();
  float* w = param.data<float>();
  const float* g = grad.data<float>();
  bf16* mp = m.data<bf16>();
  bf16* vp = v.data<bf16>();
  const float bc1 = float(1.0 - std::pow(double(p.beta1), double(p.step)));
  const float bc2 = float(1.0 - std::pow(double(p.beta2), double(p.step)));
  const float step_size = p.lr / bc1, inv_sqrt_bc2 = 1.0f / std::sqrt(bc2), decay = 1.0f - p.lr * p.weight_decay;
  for (int64_t i = 0; i < n; ++i) {
    const float mi = p.beta1 * to_float(mp[i]) + (1.0f - p.beta1) * g[i];
    const float vi = p.beta2 * to_float(vp[i]) + (1.0f - p.beta2) * g[i] * g[i];
    w[i] = w[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + p.eps);
    mp[i] = to_bf16(mi);
    vp[i] = to_bf16(vi);
  }
}

}  // namespace rlvr::cpu
