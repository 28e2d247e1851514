// The MoE transformer's parameters, with their Hugging Face (Qwen3-MoE / DeepSeek) names.
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

struct MoeWeights {
  Param router;                     // [E, C] mlp.gate.weight, kept in FP32
  Param expert_bias;                // [E] selection-only bias (aux-loss-free), not trained by SGD
  std::vector<MlpWeights> experts;  // E routed experts
  MlpWeights shared;                // the shared experts fused into one MLP (n_shared * moe_inter)
  bool has_shared = false;
};

struct LayerWeights {
  Param input_norm, post_attn_norm;  // [C]
  AttentionWeights attn;
  bool is_moe = false;
  MlpWeights mlp;  // dense layers
  MoeWeights moe;  // MoE layers
};

struct ModelWeights {
  Param embed;       // [V, C]
  std::vector<LayerWeights> layers;
  Param final_norm;  // [C]
  Param lm_head;     // [V, C]; undefined when tied to embed
};

// A named parameter: a plain tensor or a Linear's master weight (whose low-precision copies
// must be invalidated after a change: bump *version).
struct ParamRef {
  std::string name;
  Tensor* value;
  Tensor* grad;
  uint64_t* version = nullptr;  // non-null for Linear weights
  bool trainable = true;        // false for the expert selection bias
  bool is_linear() const { return version != nullptr; }
};

// Allocates every parameter (zeros) with the shapes the config implies.
ModelWeights allocate_weights(const ModelConfig& cfg);
std::vector<ParamRef> list_params(const ModelConfig& cfg, ModelWeights& w);
// GPT-2-style init: normal(0, std) for matrices (std / sqrt(2 L) for output projections), ones for norms.
void init_weights(const ModelConfig& cfg, ModelWeights& w, uint64_t seed, float std = 0.02f);
// Fills every parameter from a source of named tensors (e.g. a safetensors file); the source
// must throw a clear error for a missing name or a wrong shape.
using TensorSource = std::function<Tensor(const std::string& name, const Shape& shape)>;
void load_weights(const ModelConfig& cfg, ModelWeights& w, const TensorSource& source);
int64_t count_params(const ModelConfig& cfg, ModelWeights& w);
// Parameters touched by one token (routed experts counted top_k times out of E).
int64_t count_active_params(const ModelConfig& cfg, ModelWeights& w);

}  // namespace rlvr::model
