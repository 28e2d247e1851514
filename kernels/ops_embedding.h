// Token embedding lookup and its gradient (scatter-add into the table).
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// out[t, :] = table[tokens[t], :]. out [T,C]; tokens i32 [T], each in [0, V); table [V,C].
void embedding_forward(Tensor& out, const Tensor& tokens, const Tensor& table);
// dtable[tokens[t], :] += dout[t, :]. dtable [V,C] (accumulated); dout [T,C]; tokens i32 [T].
void embedding_backward(Tensor& dtable, const Tensor& dout, const Tensor& tokens);

}  // namespace rlvr
