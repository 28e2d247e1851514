// AdamW with FP32 master weights and gradients and BF16 moments (DeepSeek-V3 recipe): the
// update is computed in FP32, the new moments are rounded to BF16 (nearest even) on store.
// AdamWParams is in kernels/op_params.h.
#pragma once

#include "kernels/op_params.h"

namespace rlvr {

// Decoupled weight decay as torch.optim.AdamW: param *= 1 - lr * wd, then
// param -= lr * m_hat / (sqrt(v_hat) + eps) with the FP32 moments before rounding.
// param, grad f32 [any]; m, v bf16, same shape as param (updated in place).
void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p);

}  // namespace rlvr
