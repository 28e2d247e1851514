// Elementwise ops of the residual stream.
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// a += b; a, b F32 of the same shape.
void add_inplace(Tensor& a, const Tensor& b);

}  // namespace rlvr
