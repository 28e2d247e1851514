// The small MoE the precision, CUDA and expert-parallel tests and bench_fp8_fidelity train: a dense
// layer then an MoE layer (4 experts top-2 and a shared expert), GQA 4/2 heads of 32; and its
// DeepSeek-V3-shaped sibling. Every width is a multiple of 16 (cuBLASLt's FP8 K).
#pragma once

#include "model/config.h"

namespace rlvr::testsupport {

inline model::ModelConfig small_moe() {
  model::ModelConfig c;
  c.vocab_size = 64;
  c.hidden_size = 128;
  c.intermediate_size = 256;
  c.moe_intermediate_size = 128;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 32;
  c.num_experts = 4;
  c.num_experts_per_tok = 2;
  c.mlp_only_layers = {0};
  c.n_shared_experts = 1;
  return c;
}

// DeepSeek-V3's architecture at the same width: MLA (q-LoRA 64, KV latent 64, 4 heads of 32 + 16
// RoPE, values 32), a first dense layer, then sigmoid routing over 8 experts in 4 groups (2
// chosen), top-2, a shared expert, routed_scaling_factor 2.5.
inline model::ModelConfig small_deepseek() {
  model::ModelConfig c = small_moe();
  c.mlp_only_layers = {};
  c.first_k_dense_replace = 1;
  c.num_experts = 8;
  c.moe_intermediate_size = 64;
  c.n_group = 4;
  c.topk_group = 2;
  c.scoring_func = "sigmoid";
  c.routed_scaling_factor = 2.5f;
  c.num_key_value_heads = 4;
  c.q_lora_rank = 64;
  c.kv_lora_rank = 64;
  c.qk_nope_head_dim = 32;
  c.qk_rope_head_dim = 16;
  c.v_head_dim = 32;
  c.head_dim = 16;
  return c;
}

}  // namespace rlvr::testsupport
