// The MoE transformer's parameters, with their Hugging Face (Qwen3-MoE / DeepSeek-V3) names.
// for_each_param is the one enumeration that loading, saving, initialization and the optimizer use.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/tensor.h"
#include "model/config.h"
#include "model/linear.h"

namespace rlvr::model {

// A parameter kept in FP32 outside the FP8 recipe (embedding, head, router, norms).
struct Param {
  Tensor value;  // F32
  Tensor grad;   // F32, same shape, allocated on demand by backward
};

struct MlpWeights { LinearWeight gate, up, down; };  // SwiGLU: down(silu(gate x) * up x)

struct AttentionWeights {
  LinearWeight q, k, v, o;
  Param q_norm, k_norm;  // per-head RMSNorm weights [head_dim]
};

// kv_b_proj split per head for the absorbed decode of MLA (model/mla_decode.cpp): W_uk^T and
// W_uv as the precision rounds kv_b_proj, rebuilt when the weight or the precision changes.
struct MlaAbsorbed {
  Tensor uk_t;  // [H * kv_lora_rank, qk_nope_head_dim]: head h's W_uk^T in rows [h R, (h+1) R)
  Tensor uv;    // [H * v_head_dim, kv_lora_rank]: head h's W_uv in rows [h v, (h+1) v)
  uint64_t version = ~uint64_t(0);
  Precision precision = Precision::FP32;
};

// Multi-head latent attention (DeepSeek-V3).
struct MlaWeights {
  LinearWeight q;         // q_proj [H*(nope+rope), C] when q_lora_rank is 0
  LinearWeight q_a, q_b;  // q_a_proj [q_lora, C], q_b_proj [H*(nope+rope), q_lora]
  Param q_a_norm;         // q_a_layernorm [q_lora]
  LinearWeight kv_a;      // kv_a_proj_with_mqa [kv_lora + rope, C]: the latent and the shared RoPE key
  Param kv_a_norm;        // kv_a_layernorm [kv_lora]
  LinearWeight kv_b;      // kv_b_proj [H*(nope+v), kv_lora]: per head, its nope key rows then its value rows
  LinearWeight o;         // o_proj [C, H*v]
  mutable MlaAbsorbed absorbed;
};

// The routed experts a process holds in every MoE layer: experts [first, first + count) of
// num_experts (expert parallelism gives each rank 1/ranks of them); count 0: all of them.
struct ExpertRange {
  int first = 0, count = 0;
  // The range of rank `rank` when `ranks` ranks split num_experts evenly.
  static ExpertRange of_rank(int rank, int ranks, int num_experts);
  int end(const ModelConfig& cfg) const { return count > 0 ? first + count : cfg.num_experts; }
  bool all(const ModelConfig& cfg) const { return first == 0 && end(cfg) == cfg.num_experts; }
};

struct MoeWeights {
  Param router;                     // [E, C] mlp.gate.weight, kept in FP32
  Param expert_bias;                // [E] selection-only bias (aux-loss-free), not trained by SGD
  std::vector<MlpWeights> experts;  // the held routed experts: experts[i] is expert ModelWeights::experts.first + i
  MlpWeights shared;                // the shared experts fused into one MLP (n_shared * moe_inter)
  bool has_shared = false;
};

struct LayerWeights {
  Param input_norm, post_attn_norm;  // [C]
  AttentionWeights attn;  // grouped-query attention (Qwen3)
  MlaWeights mla;         // or multi-head latent attention (cfg.uses_mla())
  bool is_moe = false;
  MlpWeights mlp;  // dense layers
  MoeWeights moe;  // MoE layers
};

// A tensor kept by name only (multi-token-prediction layers: loaded and written back, not run).
struct NamedParam {
  std::string name;
  Param param;
};

struct ModelWeights {
  Param embed;       // [V, C]
  std::vector<LayerWeights> layers;
  Param final_norm;  // [C]
  Param lm_head;     // [V, C]; undefined when tied to embed
  std::vector<NamedParam> mtp;  // model.layers.{L..L+num_nextn_predict_layers-1}.* of a checkpoint
  ExpertRange experts;          // the routed experts every MoE layer holds
};

// A named parameter: a plain tensor or a Linear's master weight (whose low-precision copies
// must be invalidated after a change: bump *version).
struct ParamRef {
  std::string name;
  Tensor* value;
  Tensor* grad;
  uint64_t* version = nullptr;  // non-null for Linear weights
  bool trainable = true;        // false for the expert selection bias
  int expert = -1;              // a routed expert's weight: the expert's index (of num_experts)
  // A routed expert of a model that holds only its share of them (expert parallelism): no other
  // rank holds this parameter, so no data-parallel reduction or replication applies to it.
  bool rank_local = false;
  LinearWeight* linear = nullptr;  // the Linear whose master weight `value` is
  bool is_linear() const { return version != nullptr; }
};

// Allocates every parameter (zeros) with the shapes the config implies; of the routed experts
// only `experts` (default: all).
ModelWeights allocate_weights(const ModelConfig& cfg, ExpertRange experts = {});
std::vector<ParamRef> list_params(const ModelConfig& cfg, ModelWeights& w);
// GPT-2-style init: normal(0, std) for matrices (std / sqrt(2 L) for output projections), ones for norms.
// A model holding a share of the experts gets the values the whole model would (the numbers of
// the experts it lacks are drawn and dropped).
void init_weights(const ModelConfig& cfg, ModelWeights& w, uint64_t seed, float std = 0.02f);
// Fills every parameter from a source of named tensors (e.g. a safetensors file); the source
// must throw a clear error for a missing name or a wrong shape.
using TensorSource = std::function<Tensor(const std::string& name, const Shape& shape)>;
void load_weights(const ModelConfig& cfg, ModelWeights& w, const TensorSource& source);
// Whether `name` belongs to a multi-token-prediction layer (model.layers.N.* with N at or after
// num_hidden_layers, below num_hidden_layers + num_nextn_predict_layers).
bool is_mtp_weight(const ModelConfig& cfg, const std::string& name);
// Adds a zero MTP tensor of that name and shape (listed by list_params, not trainable), for
// load_weights to fill.
void add_mtp_weight(const ModelConfig& cfg, ModelWeights& w, const std::string& name, const Shape& shape);
int64_t count_params(const ModelConfig& cfg, ModelWeights& w);
// Every Linear of a decoder layer reduced to precision p's copy (LinearWeight::keep_only; fp32:
// nothing changes): a forward-only copy of the weights. routed_experts false: the routed experts
// keep their F32 (a share the expert gather still reads). Linears without a master (unused, or
// kept already) are left as they are.
void keep_only(LayerWeights& layer, Precision p, bool routed_experts);
// Parameters touched by one token (routed experts counted top_k times out of E).
int64_t count_active_params(const ModelConfig& cfg, ModelWeights& w);

}  // namespace rlvr::model
