// Elementwise ops of the residual stream.
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// a += b; a, b F32 of the same shape.
void add_inplace(Tensor& a, const Tensor& b);
// a *= s; a F32.
void scale_inplace(Tensor& a, float s);
// sum of a[i]^2 in double, a F32 (the gradient norm). The CPU adds in index order; CUDA adds
// per-block partial sums in block order, so each device's result is deterministic.
double sum_squares(const Tensor& a);

}  // namespace rlvr
