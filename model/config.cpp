// Reading, validating and writing the model config (config.json, Qwen3-MoE field names).
#include "model/config.h"

#include <algorithm>
#include <fstream>

#include "common/error.h"

namespace rlvr::model {

Precision parse_precision(const std::string& s) {
  if (s == "fp32") return Precision::FP32;
  if (s == "bf16") return Precision::BF16;
  if (s == "fp8") return Precision::FP8;
  RLVR_FAIL("model", "unknown precision", "'", s, "' (expected fp32, bf16 or fp8)");
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::FP32: return "fp32";
    case Precision::BF16: return "bf16";
    case Precision::FP8: return "fp8";
  }
  return "?";
}

bool ModelConfig::is_moe_layer(int layer) const {
  if (num_experts <= 0 || layer < first_k_dense_replace) return false;
  if (std::find(mlp_only_layers.begin(), mlp_only_layers.end(), layer) != mlp_only_layers.end()) return false;
  return decoder_sparse_step > 0 && (layer + 1) % decoder_sparse_step == 0;
}

void ModelConfig::validate() const {
  auto positive = [](int v, const char* name) { RLVR_CHECK(v > 0, "model", "config field must be positive: ", name, " = ", v); };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  RLVR_CHECK(head_dim % 2 == 0, "model", "head_dim must be even for RoPE: ", "head_dim = ", head_dim);
  RLVR_CHECK(num_attention_heads % num_key_value_heads == 0, "model",
             "num_attention_heads must be a multiple of num_key_value_heads: ", num_attention_heads, " vs ",
             num_key_value_heads);
  bool any_dense = false, any_moe = false;
  for (int l = 0; l < num_hidden_layers; ++l) (is_moe_layer(l) ? any_moe : any_dense) = true;
  if (any_dense) positive(intermediate_size, "intermediate_size");
  if (any_moe) {
    positive(moe_intermediate_size, "moe_intermediate_size");
    RLVR_CHECK(num_experts_per_tok > 0 && num_experts_per_tok <= num_experts, "model",
               "num_experts_per_tok must be in [1, num_experts]: ", num_experts_per_tok, " of ", num_experts);
  }
  RLVR_CHECK(scoring_func == "softmax" || scoring_func == "sigmoid", "model", "scoring_func must be softmax or sigmoid: ",
             "'", scoring_func, "'");
  RLVR_CHECK(rms_norm_eps > 0, "model", "rms_norm_eps must be positive");
}

namespace {

template <typename T>
void read(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("model", "config field has the wrong type", source, ": '", key, "' = ", it->dump());
  }
}

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& source) {
  RLVR_CHECK(j.is_object(), "model", "config is not a JSON object: ", source);
  ModelConfig c;
  read(j, "vocab_size", c.vocab_size, source);
  read(j, "hidden_size", c.hidden_size, source);
  read(j, "intermediate_size", c.intermediate_size, source);
  read(j, "moe_intermediate_size", c.moe_intermediate_size, source);
  read(j, "num_hidden_layers", c.num_hidden_layers, source);
  read(j, "num_attention_heads", c.num_attention_heads, source);
  read(j, "num_key_value_heads", c.num_key_value_heads, source);
  c.num_key_value_heads = c.num_key_value_heads ? c.num_key_value_heads : c.num_attention_heads;
  read(j, "head_dim", c.head_dim, source);
  if (!c.head_dim && c.num_attention_heads) c.head_dim = c.hidden_size / c.num_attention_heads;
  read(j, "rms_norm_eps", c.rms_norm_eps, source);
  read(j, "rope_theta", c.rope_theta, source);  // older checkpoints
  if (auto rp = j.find("rope_parameters"); rp != j.end() && rp->is_object())
    read(*rp, "rope_theta", c.rope_theta, source);  // transformers 5.x
  read(j, "max_position_embeddings", c.max_position_embeddings, source);
  read(j, "tie_word_embeddings", c.tie_word_embeddings, source);
  read(j, "num_experts", c.num_experts, source);        // older checkpoints
  read(j, "num_local_experts", c.num_experts, source);  // transformers 5.x
  read(j, "n_routed_experts", c.num_experts, source);   // DeepSeek
  read(j, "num_experts_per_tok", c.num_experts_per_tok, source);
  read(j, "norm_topk_prob", c.norm_topk_prob, source);
  read(j, "decoder_sparse_step", c.decoder_sparse_step, source);
  read(j, "mlp_only_layers", c.mlp_only_layers, source);
  read(j, "first_k_dense_replace", c.first_k_dense_replace, source);
  read(j, "n_shared_experts", c.n_shared_experts, source);
  read(j, "scoring_func", c.scoring_func, source);
  read(j, "routed_scaling_factor", c.routed_scaling_factor, source);
  read(j, "expert_bias_update_rate", c.expert_bias_update_rate, source);
  try {
    c.validate();
  } catch (const Error& e) {
    RLVR_FAIL("model", "invalid model config", source, ": ", e.what());
  }
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "model", "cannot open model config: ", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    RLVR_FAIL("model", "config is not valid JSON", path, ": ", e.what());
  }
  return from_json(j, path);
}

nlohmann::json ModelConfig::to_json() const {
  return {{"architectures", {"Qwen3MoeForCausalLM"}},
          {"model_type", "qwen3_moe"},
          {"vocab_size", vocab_size},
          {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size},
          {"moe_intermediate_size", moe_intermediate_size},
          {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads},
          {"num_key_value_heads", num_key_value_heads},
          {"head_dim", head_dim},
          {"rms_norm_eps", rms_norm_eps},
          {"rope_theta", rope_theta},
          {"max_position_embeddings", max_position_embeddings},
          {"tie_word_embeddings", tie_word_embeddings},
          {"num_experts", num_experts},
          {"num_experts_per_tok", num_experts_per_tok},
          {"norm_topk_prob", norm_topk_prob},
          {"decoder_sparse_step", decoder_sparse_step},
          {"mlp_only_layers", mlp_only_layers},
          {"first_k_dense_replace", first_k_dense_replace},
          {"n_shared_experts", n_shared_experts},
          {"scoring_func", scoring_func},
          {"routed_scaling_factor", routed_scaling_factor},
          {"expert_bias_update_rate", expert_bias_update_rate}};
}

}  // namespace rlvr::model
