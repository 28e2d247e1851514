// Reading config.json: Qwen3 / Qwen3-MoE and DeepSeek-V3, transformers 5.x's field names and the
// older ones. A field that changes the math in a way rlvr does not implement is an error naming
// it, never ignored.
#include <string>

#include "common/error.h"
#include "model/config.h"

namespace rlvr::model {

namespace {

using nlohmann::json;

bool present(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

// Reads j[key] into out when present and not null; returns whether it did.
template <typename T>
bool read(const json& j, const char* key, T& out, const std::string& source) {
  if (!present(j, key)) return false;
  const json& v = j.at(key);
  try {
    out = v.get<T>();
  } catch (const json::exception&) {
    RLVR_FAIL("model", "config field has the wrong type", source, ": '", key, "' = ", v.dump());
  }
  return true;
}

[[noreturn]] void unsupported(const std::string& source, const std::string& field, const json& value,
                              const char* what) {
  RLVR_FAIL("model", "unsupported config field", source, ": '", field, "' = ", value.dump(), " (", what, ")");
}

// Fields any supported model may carry that would change its math when not at their plain value.
void refuse_unimplemented(const json& j, const std::string& source) {
  if (present(j, "hidden_act") && j["hidden_act"] != "silu")
    unsupported(source, "hidden_act", j["hidden_act"], "rlvr implements silu");
  for (const char* bias : {"attention_bias", "mlp_bias"})
    if (present(j, bias) && j[bias] != false) unsupported(source, bias, j[bias], "rlvr's Linear layers have no bias");
  if (present(j, "attention_dropout") && j["attention_dropout"] != 0 && j["attention_dropout"] != 0.0)
    unsupported(source, "attention_dropout", j["attention_dropout"], "rlvr has no dropout");
  if (present(j, "use_sliding_window") && j["use_sliding_window"] != false)
    unsupported(source, "use_sliding_window", j["use_sliding_window"], "rlvr attends to the whole sequence");
  if (present(j, "partial_rotary_factor") && j["partial_rotary_factor"] != 1 && j["partial_rotary_factor"] != 1.0)
    unsupported(source, "partial_rotary_factor", j["partial_rotary_factor"], "rlvr rotates the whole RoPE width");
}

// rope_theta and the scaling: transformers 5.x's rope_parameters {rope_type, rope_theta, ...} or
// the older top-level rope_theta with rope_scaling {type | rope_type, ...}.
void read_rope(const json& j, ModelConfig& c, const std::string& source) {
  read(j, "rope_theta", c.rope_theta, source);
  const char* key = present(j, "rope_parameters") ? "rope_parameters" : "rope_scaling";
  if (!present(j, key)) return;
  const json& r = j[key];
  const std::string where = source + " " + key;
  RLVR_CHECK(r.is_object(), "model", "config field has the wrong type", source, ": '", key, "' = ", r.dump());
  read(r, "rope_theta", c.rope_theta, where);
  const char* type_key = present(r, "rope_type") ? "rope_type" : "type";
  std::string type = "default";
  read(r, type_key, type, where);
  if (present(r, "partial_rotary_factor") && r["partial_rotary_factor"] != 1 && r["partial_rotary_factor"] != 1.0)
    unsupported(source, std::string(key) + ".partial_rotary_factor", r["partial_rotary_factor"],
                "rlvr rotates the whole RoPE width");
  if (type == "default") return;
  if (type != "yarn")
    unsupported(source, std::string(key) + "." + type_key, r[type_key], "rlvr implements default and yarn");
  RopeScaling& y = c.rope_scaling;
  y.type = "yarn";
  if (!read(r, "original_max_position_embeddings", y.original_max_position_embeddings, where))
    read(j, "original_max_position_embeddings", y.original_max_position_embeddings, source);
  if (!read(r, "factor", y.factor, where)) {
    RLVR_CHECK(y.original_max_position_embeddings > 0, "model", "missing config field", source, ": '", key,
               ".factor' (needed without original_max_position_embeddings)");
    y.factor = double(c.max_position_embeddings) / double(y.original_max_position_embeddings);
  }
  read(r, "beta_fast", y.beta_fast, where);
  read(r, "beta_slow", y.beta_slow, where);
  read(r, "mscale", y.mscale, where);
  read(r, "mscale_all_dim", y.mscale_all_dim, where);
  read(r, "attention_factor", y.attention_factor, where);
  read(r, "truncate", y.truncate, where);
  if (y.beta_fast == 0) y.beta_fast = 32.0;  // transformers: `or 32`, `or 1`
  if (y.beta_slow == 0) y.beta_slow = 1.0;
}

// DeepSeek-V3: multi-head latent attention, group-limited sigmoid routing, MoE from
// first_k_dense_replace on.
void read_deepseek(const json& j, ModelConfig& c, const std::string& source) {
  for (const char* key : {"kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"})
    RLVR_CHECK(present(j, key), "model", "missing config field", source, ": '", key, "' (deepseek_v3)");
  RLVR_CHECK(j.contains("q_lora_rank"), "model", "missing config field", source,
             ": 'q_lora_rank' (deepseek_v3; null for a plain q_proj)");
  read(j, "q_lora_rank", c.q_lora_rank, source);
  read(j, "kv_lora_rank", c.kv_lora_rank, source);
  read(j, "qk_nope_head_dim", c.qk_nope_head_dim, source);
  read(j, "qk_rope_head_dim", c.qk_rope_head_dim, source);
  read(j, "v_head_dim", c.v_head_dim, source);
  RLVR_CHECK(c.kv_lora_rank > 0, "model", "config field must be positive", source, ": kv_lora_rank = ", c.kv_lora_rank);
  int qk_head_dim = c.qk_head_dim();
  if (read(j, "qk_head_dim", qk_head_dim, source) && qk_head_dim != c.qk_head_dim())
    unsupported(source, "qk_head_dim", j["qk_head_dim"], "it must be qk_nope_head_dim + qk_rope_head_dim");
  read(j, "rope_interleave", c.rope_interleave, source);
  c.head_dim = c.qk_rope_head_dim;
  c.num_key_value_heads = c.num_attention_heads;  // MLA: every head reads the one latent
  c.scoring_func = "sigmoid";
  read(j, "scoring_func", c.scoring_func, source);
  if (present(j, "topk_method") && j["topk_method"] != "noaux_tc")
    unsupported(source, "topk_method", j["topk_method"], "rlvr implements DeepSeek-V3's noaux_tc");
  if (present(j, "moe_layer_freq") && j["moe_layer_freq"] != 1)
    unsupported(source, "moe_layer_freq", j["moe_layer_freq"], "DeepSeek-V3 layers are MoE from first_k_dense_replace on");
  read(j, "num_nextn_predict_layers", c.num_nextn_predict_layers, source);
}

}  // namespace

ModelConfig ModelConfig::from_json(const json& j, const std::string& source) {
  RLVR_CHECK(j.is_object(), "model", "config is not a JSON object: ", source);
  std::string model_type = "qwen3_moe";  // rlvr's own configs before model_type was written
  read(j, "model_type", model_type, source);
  const bool deepseek = model_type == "deepseek_v3";
  if (!deepseek && model_type != "qwen3_moe" && model_type != "qwen3")
    unsupported(source, "model_type", j["model_type"], "rlvr implements qwen3, qwen3_moe and deepseek_v3");
  refuse_unimplemented(j, source);
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
  read(j, "max_position_embeddings", c.max_position_embeddings, source);
  read_rope(j, c, source);
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
  read(j, "n_group", c.n_group, source);
  read(j, "topk_group", c.topk_group, source);
  if (deepseek) read_deepseek(j, c, source);
  try {
    c.validate();
  } catch (const Error& e) {
    RLVR_FAIL("model", "invalid model config", source, ": ", e.what());
  }
  return c;
}

}  // namespace rlvr::model
