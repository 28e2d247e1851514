// Validating and writing the model config (config.json); reading it is model/config_json.cpp.
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

int ModelConfig::n_moe_layers() const {
  int n = 0;
  for (int l = 0; l < num_hidden_layers; ++l) n += is_moe_layer(l) ? 1 : 0;
  return n;
}

namespace {

void positive(int v, const char* name) { RLVR_CHECK(v > 0, "model", "config field must be positive: ", name, " = ", v); }

void validate_attention(const ModelConfig& c) {
  positive(c.num_attention_heads, "num_attention_heads");
  if (c.uses_mla()) {
    RLVR_CHECK(c.q_lora_rank >= 0, "model", "config field must not be negative: q_lora_rank = ", c.q_lora_rank);
    positive(c.qk_nope_head_dim, "qk_nope_head_dim");
    positive(c.qk_rope_head_dim, "qk_rope_head_dim");
    positive(c.v_head_dim, "v_head_dim");
    RLVR_CHECK(c.qk_rope_head_dim % 2 == 0, "model", "qk_rope_head_dim must be even for RoPE: ",
               "qk_rope_head_dim = ", c.qk_rope_head_dim);
    return;
  }
  positive(c.num_key_value_heads, "num_key_value_heads");
  positive(c.head_dim, "head_dim");
  RLVR_CHECK(c.head_dim % 2 == 0, "model", "head_dim must be even for RoPE: ", "head_dim = ", c.head_dim);
  RLVR_CHECK(c.num_attention_heads % c.num_key_value_heads == 0, "model",
             "num_attention_heads must be a multiple of num_key_value_heads: ", c.num_attention_heads, " vs ",
             c.num_key_value_heads);
}

void validate_routing(const ModelConfig& c) {
  positive(c.moe_intermediate_size, "moe_intermediate_size");
  RLVR_CHECK(c.num_experts_per_tok > 0 && c.num_experts_per_tok <= c.num_experts, "model",
             "num_experts_per_tok must be in [1, num_experts]: ", c.num_experts_per_tok, " of ", c.num_experts);
  RLVR_CHECK(c.n_group >= 1 && c.num_experts % c.n_group == 0, "model", "n_group must divide n_routed_experts: ",
             c.n_group, " groups of ", c.num_experts, " experts");
  RLVR_CHECK(c.topk_group >= 1 && c.topk_group <= c.n_group, "model", "topk_group must be in [1, n_group]: ",
             c.topk_group, " of ", c.n_group);
  const int reachable = c.topk_group * (c.num_experts / c.n_group);
  RLVR_CHECK(c.num_experts_per_tok <= reachable, "model", "num_experts_per_tok ", c.num_experts_per_tok,
             " is more than the ", reachable, " experts of topk_group = ", c.topk_group, " groups");
}

void validate_rope(const ModelConfig& c) {
  const RopeScaling& r = c.rope_scaling;
  RLVR_CHECK(c.rope_theta > 0, "model", "rope_theta must be positive: ", c.rope_theta);
  RLVR_CHECK(r.type == "default" || r.is_yarn(), "model", "rope_scaling type must be default or yarn: '", r.type, "'");
  if (!r.is_yarn()) return;
  RLVR_CHECK(r.factor > 0, "model", "rope_scaling.factor must be positive: ", r.factor);
  RLVR_CHECK(r.original_max_position_embeddings >= 0, "model",
             "rope_scaling.original_max_position_embeddings must not be negative: ", r.original_max_position_embeddings);
  RLVR_CHECK(r.beta_fast > 0 && r.beta_slow > 0, "model", "rope_scaling.beta_fast and beta_slow must be positive: ",
             r.beta_fast, ", ", r.beta_slow);
}

}  // namespace

void ModelConfig::validate() const {
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(num_hidden_layers, "num_hidden_layers");
  validate_attention(*this);
  bool any_dense = false, any_moe = false;
  for (int l = 0; l < num_hidden_layers; ++l) (is_moe_layer(l) ? any_moe : any_dense) = true;
  if (any_dense) positive(intermediate_size, "intermediate_size");
  if (any_moe) validate_routing(*this);
  RLVR_CHECK(scoring_func == "softmax" || scoring_func == "sigmoid", "model", "scoring_func must be softmax or sigmoid: ",
             "'", scoring_func, "'");
  RLVR_CHECK(rms_norm_eps > 0, "model", "rms_norm_eps must be positive");
  RLVR_CHECK(num_nextn_predict_layers >= 0, "model", "num_nextn_predict_layers must not be negative");
  validate_rope(*this);
}

nlohmann::json ModelConfig::read_json(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "model", "cannot open model config: ", path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    RLVR_FAIL("model", "config is not valid JSON", path, ": ", e.what());
  }
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(read_json(path), path); }

namespace {

// rope_parameters as transformers 5.x writes it (rope_theta inside, the YaRN fields beside it).
nlohmann::json rope_json(const ModelConfig& c) {
  nlohmann::json r = {{"rope_type", c.rope_scaling.type}, {"rope_theta", c.rope_theta}};
  if (!c.rope_scaling.is_yarn()) return r;
  const RopeScaling& y = c.rope_scaling;
  r["factor"] = y.factor;
  r["original_max_position_embeddings"] =
      y.original_max_position_embeddings ? y.original_max_position_embeddings : c.max_position_embeddings;
  r["beta_fast"] = y.beta_fast;
  r["beta_slow"] = y.beta_slow;
  r["truncate"] = y.truncate;
  if (y.mscale != 0) r["mscale"] = y.mscale;
  if (y.mscale_all_dim != 0) r["mscale_all_dim"] = y.mscale_all_dim;
  if (y.attention_factor != 0) r["attention_factor"] = y.attention_factor;
  return r;
}

// DeepSeek-V3's names: the model transformers builds from them is this one (rlvr's own switches
// beside them, so that a checkpoint reloads as itself).
nlohmann::json deepseek_json(const ModelConfig& c) {
  return {{"architectures", {"DeepseekV3ForCausalLM"}},
          {"model_type", c.model_type()},
          {"vocab_size", c.vocab_size},
          {"hidden_size", c.hidden_size},
          {"intermediate_size", c.intermediate_size},
          {"moe_intermediate_size", c.moe_intermediate_size},
          {"num_hidden_layers", c.num_hidden_layers},
          {"num_attention_heads", c.num_attention_heads},
          {"num_key_value_heads", c.num_attention_heads},
          {"head_dim", c.qk_rope_head_dim},
          {"q_lora_rank", c.q_lora_rank > 0 ? nlohmann::json(c.q_lora_rank) : nlohmann::json(nullptr)},
          {"kv_lora_rank", c.kv_lora_rank},
          {"qk_nope_head_dim", c.qk_nope_head_dim},
          {"qk_rope_head_dim", c.qk_rope_head_dim},
          {"qk_head_dim", c.qk_head_dim()},
          {"v_head_dim", c.v_head_dim},
          {"rope_interleave", c.rope_interleave},
          {"rms_norm_eps", c.rms_norm_eps},
          {"rope_theta", c.rope_theta},
          {"rope_parameters", rope_json(c)},
          {"max_position_embeddings", c.max_position_embeddings},
          {"tie_word_embeddings", c.tie_word_embeddings},
          {"hidden_act", "silu"},
          {"attention_bias", false},
          {"n_routed_experts", c.num_experts},
          {"num_experts_per_tok", c.num_experts_per_tok},
          {"norm_topk_prob", c.norm_topk_prob},
          {"n_group", c.n_group},
          {"topk_group", c.topk_group},
          {"first_k_dense_replace", c.first_k_dense_replace},
          {"n_shared_experts", c.n_shared_experts},
          {"routed_scaling_factor", c.routed_scaling_factor},
          {"num_nextn_predict_layers", c.num_nextn_predict_layers},
          {"scoring_func", c.scoring_func},
          {"decoder_sparse_step", c.decoder_sparse_step},
          {"mlp_only_layers", c.mlp_only_layers},
          {"expert_bias_update_rate", c.expert_bias_update_rate}};
}

}  // namespace

nlohmann::json ModelConfig::to_json() const {
  if (uses_mla()) return deepseek_json(*this);
  nlohmann::json j = {{"architectures", {"Qwen3MoeForCausalLM"}},
                      {"model_type", model_type()},
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
  if (n_group != 1 || topk_group != 1) j["n_group"] = n_group, j["topk_group"] = topk_group;
  if (rope_scaling.is_yarn()) j["rope_parameters"] = rope_json(*this);
  return j;
}

}  // namespace rlvr::model
