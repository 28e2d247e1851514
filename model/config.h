// The MoE transformer's configuration: Hugging Face Qwen3-MoE `config.json` field names, plus
// DeepSeek-style switches (shared experts, sigmoid scoring with a selection bias, first-k dense).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::model {

enum class Precision { FP32, BF16, FP8 };
Precision parse_precision(const std::string& s);  // "fp32" | "bf16" | "fp8"
const char* precision_name(Precision p);

struct ModelConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;       // dense MLP layers
  int moe_intermediate_size = 0;   // each routed expert
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;
  int head_dim = 0;
  float rms_norm_eps = 1e-6f;
  float rope_theta = 10000.0f;
  int max_position_embeddings = 2048;
  bool tie_word_embeddings = false;
  // MoE (Qwen3-MoE names)
  int num_experts = 0;             // 0: every layer dense
  int num_experts_per_tok = 0;
  bool norm_topk_prob = true;
  int decoder_sparse_step = 1;
  std::vector<int> mlp_only_layers;
  // DeepSeek-style switches
  int first_k_dense_replace = 0;
  int n_shared_experts = 0;        // shared experts, each of moe_intermediate_size
  std::string scoring_func = "softmax";  // "softmax" | "sigmoid"
  float routed_scaling_factor = 1.0f;
  float expert_bias_update_rate = 0.0f;  // aux-loss-free balancing; 0 disables

  bool is_moe_layer(int layer) const;
  // The selection bias (e_score_correction_bias) is a parameter of the model: with sigmoid
  // scoring (DeepSeek-V3 checkpoints carry it) or when aux-loss-free balancing updates it.
  bool uses_expert_bias() const { return scoring_func == "sigmoid" || expert_bias_update_rate > 0; }
  int q_dim() const { return num_attention_heads * head_dim; }
  int kv_dim() const { return num_key_value_heads * head_dim; }
  void validate() const;  // throws rlvr::Error naming the field

  static ModelConfig from_json(const nlohmann::json& j, const std::string& source);
  static ModelConfig load(const std::string& config_json_path);
  nlohmann::json to_json() const;
};

}  // namespace rlvr::model
