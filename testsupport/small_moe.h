// The small MoE the precision, CUDA and expert-parallel tests and bench_fp8_fidelity train: a dense layer then an MoE layer (4 experts top-2 and a
// shared expert), GQA 4/2 heads of 32. Every width is a multiple of 16 (cuBLASLt's FP8 K).
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

}  // namespace rlvr::testsupport
