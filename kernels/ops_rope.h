// Rotary position embedding. Within each head of head_dim D, pair i turns by the angle
// positions[t] * inv_freq[i]: the pair (i, i + D/2) in Hugging Face's "rotate_half" convention,
// or (2i, 2i+1) when interleaved; cos and sin are multiplied by attention_scaling (YaRN).
// The (head_dim, theta) form is the plain RoPE: inv_freq[i] = theta^(-2i/D), computed in float32
// as transformers does (rope_inv_freq), no scaling, rotate_half.
#pragma once

#include <vector>

#include "kernels/op_params.h"

namespace rlvr {

// theta^(-2i/D) for i < D/2, rounded to float as transformers computes it.
std::vector<float> rope_inv_freq(int head_dim, float theta);

// In place on x [T, H*D]; positions i32 [T] (>= 0); D = p.head_dim, even; p.inv_freq [D/2].
void rope_forward(Tensor& x, const Tensor& positions, const RopeParams& p);
// In place on dx [T, H*D]: the transpose of rope_forward (the inverse rotation, same scaling).
void rope_backward(Tensor& dx, const Tensor& positions, const RopeParams& p);

void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta);
void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta);

}  // namespace rlvr
