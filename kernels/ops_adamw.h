// AdamW with FP32 master weights and gradients and BF16 moments (DeepSeek-V3 recipe): the
// update is computed in FP32, the new moments are rounded to BF16 (nearest even) on store.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace rlvr {

struct AdamWParams {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  int64_t step = 1;  // starts at 1, for bias correction
};

// Decoupled weight decay as torch.optim.AdamW: param *= 1 - lr * wd, then
// param -= lr * m_hat / (sqrt(v_hat) + eps) with the FP32 moments before rounding.
// param, grad f32 [any]; m, v bf16, same shape as param (updated in place).
void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p);

}  // namespace rlvr
