// Private to model/: small helpers shared by the blocks' forward and backward passes.
#pragma once

#include "kernels/tensor.h"
#include "model/weights.h"

namespace rlvr::model {
struct Batch;
}

namespace rlvr::model::detail {

// Throws naming the first token id outside [0, vocab_size) (reads a host copy of the tokens).
void check_tokens(const Batch& batch, int vocab_size);

inline Tensor empty_f32(Shape s, Device d) { return Tensor::empty(std::move(s), DType::F32, d); }

// The parameter's gradient, allocated as zeros on first use.
inline Tensor& grad_of(Param& p) {
  if (!p.grad.defined()) p.grad = Tensor::zeros(p.value.shape(), DType::F32, p.value.device());
  return p.grad;
}

// MoE layer m's rows [T, k] of a pass's expert choices i32 [M, T, k], sharing their storage.
inline Tensor moe_layer_rows(const Tensor& routes, int m) {
  return routes.slice_rows(m, m + 1).reshape({routes.dim(1), routes.dim(2)});
}

}  // namespace rlvr::model::detail
