// The CUDA backend's limits (kernels/cuda_limits.h) checked with a config whose run.device is
// "cuda", so `rlvr validate` names the key instead of the first forward failing on the GPU.
// ("auto" is not checked: whether it picks a GPU depends on the machine that runs it.)
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/cuda_limits.h"
#include "trainer/config_internal.h"

namespace rlvr::trainer {

namespace {

// Where a model field's value came from: its [model.init] key, or config.json in model.path.
struct ModelSource {
  const RunConfig& cfg;
  bool from_path;
  std::string key(const std::string& field) const { return from_path ? "model.path" : "model.init." + field; }
  std::string where(const std::string& field) const { return cfg.where(key(field)); }
  // "v" under the field's own key; "config.json's field = v" under model.path.
  std::string value(const std::string& field, int v) const {
    return from_path ? cat("config.json's ", field, " = ", v) : cat(v);
  }
};

// Every width of an FP8 Linear (training: inputs and outputs, both are a GEMM's K; rollout only:
// inputs) must be a multiple of cuda_limits::kFp8WidthMultiple.
void check_fp8_widths(const ModelSource& src, const model::ModelConfig& m) {
  const bool train = src.cfg.precision.train_precision() == model::Precision::FP8;
  const bool rollout = src.cfg.rollout.model_precision() == model::Precision::FP8;
  if (!train && !rollout) return;
  bool any_moe = false, any_dense = false;
  for (int l = 0; l < m.num_hidden_layers; ++l) (m.is_moe_layer(l) ? any_moe : any_dense) = true;
  struct Width {
    std::string field, what;  // the key it is reported under; what the width is
    int value;
    bool used, input;  // used by some Linear; the input width of one (read in rollout too)
  };
  const bool mla = m.uses_mla(), gqa = !mla;
  const int H = m.num_attention_heads;
  const std::vector<Width> widths = {
      {"hidden_size", "hidden_size", m.hidden_size, true, true},
      {"head_dim", cat("num_attention_heads x head_dim = ", H, " x ", m.head_dim), m.q_dim(), gqa, true},
      {"head_dim", cat("num_key_value_heads x head_dim = ", m.num_key_value_heads, " x ", m.head_dim), m.kv_dim(),
       gqa, false},
      // multi-head latent attention's Linears (model/mla.h)
      {"q_lora_rank", "q_lora_rank", m.q_lora_rank, mla && m.q_lora_rank > 0, true},
      {"kv_lora_rank", "kv_lora_rank", m.kv_lora_rank, mla, true},
      {"qk_rope_head_dim", cat("kv_lora_rank + qk_rope_head_dim = ", m.kv_lora_rank, " + ", m.qk_rope_head_dim),
       m.kv_lora_rank + m.qk_rope_head_dim, mla, false},
      {"qk_nope_head_dim", cat("num_attention_heads x (qk_nope_head_dim + qk_rope_head_dim) = ", H, " x ", m.qk_head_dim()),
       H * m.qk_head_dim(), mla, false},
      {"v_head_dim", cat("num_attention_heads x v_head_dim = ", H, " x ", m.v_head_dim), H * m.v_head_dim, mla, true},
      {"v_head_dim", cat("num_attention_heads x (qk_nope_head_dim + v_head_dim) = ", H, " x ", m.qk_nope_head_dim + m.v_head_dim),
       H * (m.qk_nope_head_dim + m.v_head_dim), mla, false},
      {"intermediate_size", "intermediate_size", m.intermediate_size, any_dense, true},
      {"moe_intermediate_size", "moe_intermediate_size", m.moe_intermediate_size, any_moe, true},
  };
  const int k = cuda_limits::kFp8WidthMultiple;
  for (const Width& w : widths) {
    if (!w.used || (!train && !w.input) || w.value % k == 0) continue;
    const char* by = train ? "precision.train = \"fp8\"" : "rollout.precision = \"fp8\"";
    RLVR_CONFIG_FAIL(src.where(w.field), src.key(w.field), src.from_path ? "config.json's " : "", w.what, " = ",
                     w.value, " is not a multiple of ", k,
                     ", which cuBLASLt's FP8 GEMMs need on CUDA (", by, ", run.device = \"cuda\"); use a multiple of ",
                     k, " or precision fp32 / bf16");
  }
}

// The widths of one head the attention kernels see: head_dim, or under multi-head latent
// attention the expanded heads' (training, scoring) and the compressed cache's (decode).
void check_head_dims(const ModelSource& src, const model::ModelConfig& m) {
  struct HeadWidth {
    std::string field;
    int value;
    std::string what;  // how the message names the value
  };
  std::vector<HeadWidth> heads;
  if (!m.uses_mla()) {
    heads.push_back({"head_dim", m.head_dim, src.value("head_dim", m.head_dim)});
  } else {
    const int expanded = std::max(m.qk_head_dim(), m.v_head_dim), latent = m.kv_lora_rank + m.qk_rope_head_dim;
    heads.push_back({"qk_nope_head_dim", expanded,
                     cat("max(qk_nope_head_dim + qk_rope_head_dim, v_head_dim) = ", expanded,
                         " (multi-head latent attention's expanded heads)")});
    heads.push_back({"kv_lora_rank", latent,
                     cat("kv_lora_rank + qk_rope_head_dim = ", latent, " (the compressed cache's heads in decode)")});
  }
  for (const HeadWidth& w : heads)
    if (w.value > cuda_limits::kMaxHeadDim)
      RLVR_CONFIG_FAIL(src.where(w.field), src.key(w.field), w.what, " is above the CUDA attention kernels' ",
                       cuda_limits::kMaxHeadDim, " (run.device = \"cuda\")");
}

void check_model_limits(const ModelSource& src, const model::ModelConfig& m) {
  check_head_dims(src, m);
  if (m.num_experts > 0 && m.num_experts_per_tok > cuda_limits::kMaxRoutingTopK)
    RLVR_CONFIG_FAIL(src.where("num_experts_per_tok"), src.key("num_experts_per_tok"),
                     src.value("num_experts_per_tok", m.num_experts_per_tok), " is above the CUDA routing backward's ",
                     cuda_limits::kMaxRoutingTopK, " (run.device = \"cuda\")");
  check_fp8_widths(src, m);
}

}  // namespace

void check_cuda_limits(const RunConfig& cfg) {
  if (cfg.run.device != "cuda") return;
  const int64_t top_k = cfg.rollout.sampling.top_k;
  if (top_k > cuda_limits::kMaxSamplingTopK)
    RLVR_CONFIG_FAIL(cfg.where("rollout.top_k"), "rollout.top_k", top_k, " is above the CUDA sampler's ",
                     cuda_limits::kMaxSamplingTopK, " (run.device = \"cuda\")");
  if (cfg.model.from_scratch()) check_model_limits({cfg, false}, cfg.model.init);
}

void check_cuda_limits(const RunConfig& cfg, const model::ModelConfig& from_path) {
  if (cfg.run.device == "cuda") check_model_limits({cfg, true}, from_path);
}

}  // namespace rlvr::trainer
