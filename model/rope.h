// RoPE of a model config, as transformers computes it: the inverse frequencies of the plain RoPE
// or YaRN's blend of interpolated and extrapolated ones, the attention factor YaRN puts on cos
// and sin, and the softmax-scale correction multi-head latent attention adds with YaRN.
#pragma once

#include "kernels/op_params.h"
#include "model/config.h"

namespace rlvr::model {

// The rotation of heads of rotary_dim elements (head_dim for grouped-query attention,
// qk_rope_head_dim for MLA).
RopeParams rope_params(const ModelConfig& cfg, int rotary_dim, bool interleaved);

// MLA's softmax scale: qk_head_dim^-1/2, times mscale(factor, mscale_all_dim)^2 with YaRN when
// mscale_all_dim is set (DeepSeek-V3).
float mla_softmax_scale(const ModelConfig& cfg);

}  // namespace rlvr::model
