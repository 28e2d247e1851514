// RMSNorm over the last dimension, forward and backward.
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// out = x * rstd * weight, rstd = 1 / sqrt(mean(x^2) + eps) per row (cached for backward).
// out, x [N,C]; weight [C]; rstd [N].
void rmsnorm_forward(Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps);
// dx [N,C] (overwritten); dweight [C] (accumulated); dout, x [N,C]; weight [C]; rstd [N].
void rmsnorm_backward(Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x,
                      const Tensor& weight, const Tensor& rstd);

}  // namespace rlvr
