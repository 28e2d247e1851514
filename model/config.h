// The MoE transformer's configuration: Hugging Face `config.json` field names of Qwen3-MoE and
// DeepSeek-V3 (multi-head latent attention, group-limited sigmoid routing with a selection bias,
// shared experts, first-k dense, YaRN), in transformers 5.x's and the older spellings.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::model {

enum class Precision { FP32, BF16, FP8 };
Precision parse_precision(const std::string& s);  // "fp32" | "bf16" | "fp8"
const char* precision_name(Precision p);

// RoPE scaling (`rope_parameters` / `rope_scaling`): "default" or "yarn", as transformers computes it.
struct RopeScaling {
  std::string type = "default";
  double factor = 1.0;
  int original_max_position_embeddings = 0;  // 0: max_position_embeddings
  double beta_fast = 32.0, beta_slow = 1.0;
  double mscale = 0.0, mscale_all_dim = 0.0;  // 0: unset
  double attention_factor = 0.0;              // 0: derived from factor and the mscales
  bool truncate = true;                       // round the correction range to whole dimensions
  bool is_yarn() const { return type == "yarn"; }
};

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
  int n_group = 1, topk_group = 1;       // group-limited routing: experts of topk_group of n_group groups
  // Multi-head latent attention (DeepSeek-V3), selected by kv_lora_rank > 0
  int q_lora_rank = 0;  // 0: a plain q_proj (config.json null)
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
  bool rope_interleave = true;       // MLA's RoPE pairs (2i, 2i+1) rather than (i, i + D/2)
  int num_nextn_predict_layers = 0;  // MTP layers stored after the decoder layers: kept, not run
  RopeScaling rope_scaling;

  bool is_moe_layer(int layer) const;
  int n_moe_layers() const;
  bool uses_mla() const { return kv_lora_rank > 0; }
  int qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  // The selection bias (e_score_correction_bias) is a parameter of the model: with sigmoid
  // scoring (DeepSeek-V3 checkpoints carry it) or when aux-loss-free balancing updates it.
  bool uses_expert_bias() const { return scoring_func == "sigmoid" || expert_bias_update_rate > 0; }
  int q_dim() const { return num_attention_heads * head_dim; }
  int kv_dim() const { return num_key_value_heads * head_dim; }
  const char* model_type() const { return uses_mla() ? "deepseek_v3" : "qwen3_moe"; }  // what to_json writes
  void validate() const;  // throws rlvr::Error naming the field

  static ModelConfig from_json(const nlohmann::json& j, const std::string& source);
  static ModelConfig load(const std::string& config_json_path);
  static nlohmann::json read_json(const std::string& config_json_path);  // parsed, or an error naming the file
  nlohmann::json to_json() const;
};

}  // namespace rlvr::model
