// Rotary position embedding, Hugging Face "rotate_half" convention: within each head of
// head_dim D, element i pairs with i + D/2 and rotates by positions[t] * inv_freq[i],
// inv_freq[i] = theta^(-2i/D) (computed in float32 as transformers does).
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// In place on x [T, H*D]; positions i32 [T] (>= 0); D = head_dim, even.
void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta);
// In place on dx [T, H*D]: the inverse rotation, which is the transpose.
void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta);

}  // namespace rlvr
