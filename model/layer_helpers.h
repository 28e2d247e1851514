// Private to model/: small helpers shared by the forward and backward passes.
#pragma once

#include "kernels/ops_moe.h"
#include "kernels/tensor.h"
#include "model/config.h"

namespace rlvr::model {
struct Batch;
}

namespace rlvr::model::detail {

// Throws naming the first token id outside [0, vocab_size) (reads a host copy of the tokens).
void check_tokens(const Batch& batch, int vocab_size);

inline Tensor empty_f32(Shape s, Device d) { return Tensor::empty(std::move(s), DType::F32, d); }

}  // namespace rlvr::model::detail
