// CPU AdamW over FP32 master weights with BF16 moments (update in FP32, moments rounded on store).
#include <bit>
#include <cmath>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/fp_codec.h"

namespace rlvr::cpu {
namespace {

// float_to_bf16_bits without its early return, so the update loop vectorizes: the same
// round-to-nearest-even, and NaN becomes the canonical 0x7fff (selected by a bit mask).
inline uint16_t round_to_bf16_bits(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const uint32_t nan_mask = 0u - uint32_t((u & 0x7fffffffu) > 0x7f800000u);
  return uint16_t((rounded & ~nan_mask) | (0x7fffu & nan_mask));
}

}  // namespace

void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p) {
  const int64_t n = param.numel();
  float* __restrict w = param.data<float>();
  const float* __restrict g = grad.data<float>();
  bf16* __restrict mp = m.data<bf16>();
  bf16* __restrict vp = v.data<bf16>();
  const float b1 = p.beta1, b2 = p.beta2, eps = p.eps;
  const float bc1 = float(1.0 - std::pow(double(b1), double(p.step)));
  const float bc2 = float(1.0 - std::pow(double(b2), double(p.step)));
  const float step_size = p.lr / bc1, inv_sqrt_bc2 = 1.0f / std::sqrt(bc2), decay = 1.0f - p.lr * p.weight_decay;
  for (int64_t i = 0; i < n; ++i) {
    const float mi = b1 * to_float(mp[i]) + (1.0f - b1) * g[i];
    const float vi = b2 * to_float(vp[i]) + (1.0f - b2) * g[i] * g[i];
    w[i] = w[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
    mp[i] = bf16{round_to_bf16_bits(mi)};
    vp[i] = bf16{round_to_bf16_bits(vi)};
  }
}

}  // namespace rlvr::cpu
