// The decoder-only MoE transformer (Qwen3-MoE layout): forward over a batch of packed
// sequences, with an explicit activation cache for backward.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ops_moe.h"
#include "model/config.h"
#include "model/linear.h"
#include "model/routed_experts.h"
#include "model/weights.h"

namespace rlvr::model {

class KvCache;                      // model/kv_cache.h
enum class CachedPass : uint8_t;    // model/kv_cache.h

// Several sequences packed along the token dimension; attention never crosses a boundary.
struct Batch {
  Tensor tokens;                     // i32 [T]
  Tensor positions;                  // i32 [T], restarting at 0 for each sequence
  std::vector<int64_t> seq_offsets;  // [S+1]
  int64_t n_tokens() const { return tokens.numel(); }
  static Batch pack(const std::vector<std::vector<int32_t>>& sequences);  // on the CPU
  Batch to(Device device) const;  // tokens and positions copied (shared when already there)
};

struct MlpCache {
  LinearCache gate, up, down;  // down: filled in backward from the recomputed SwiGLU output
  LinearOptions down_opts;
  Tensor g, u;  // SwiGLU inputs [N, F]; its output is recomputed in backward
};

struct MoeCache {
  Tensor h;                          // block input [T, C] (router input, FP32)
  Tensor expert_ids, gates, scores;  // routing
  Permutation perm;
  std::vector<MlpCache> experts;     // per expert, over its rows
  std::vector<Tensor> expert_out;    // per expert [rows_e, C]
  Tensor combined_out;               // [R, C] expert outputs in permuted order
  MlpCache shared;
  RoutedExperts* routed = nullptr;   // who ran the routed experts (null: this layer, above)
};

struct LayerCache {
  Tensor x_in;                      // residual stream entering the layer [T, C]
  Tensor h1, rstd1;                 // input_layernorm output / rstd
  LinearCache q_proj, k_proj, v_proj, o_proj;
  Tensor q_raw, k_raw;              // projections before q/k norm [T*H, D]
  Tensor q_rstd, k_rstd;
  Tensor q, k, v, attn_out, lse;    // after norm + RoPE; attention output [T, Hq*D]; lse per segment
  Tensor x_mid;                     // residual after attention
  Tensor h2, rstd2;                 // post_attention_layernorm
  MlpCache mlp;
  MoeCache moe;
};

struct ForwardCache {
  std::vector<LayerCache> layers;
  Tensor x_final, final_rstd, h_final;  // final norm input / rstd / output
  size_t activation_bytes() const;      // bytes held for backward
};

// Tokens routed to each expert in the last forward, per MoE layer (for logging and balancing).
struct RouterStats {
  std::vector<std::vector<int64_t>> load;  // [layer][expert]; empty for dense layers
};

class Transformer {
 public:
  explicit Transformer(ModelConfig cfg);
  // Reads config.json and model.safetensors (or a sharded index) from a directory.
  static Transformer from_dir(const std::string& dir);

  const ModelConfig& config() const { return cfg_; }
  // Where the weights live; forward, backward and forward_cached run there (a CPU batch is
  // copied over). to() moves every parameter and gradient.
  Device device() const;
  void to(Device device);
  ModelWeights& weights() { return w_; }
  std::vector<ParamRef> params() { return list_params(cfg_, w_); }

  // logits [T, V] (F32, on device()). cache/stats may be null. routed, when set, runs every
  // MoE layer's routed experts (expert parallelism); backward then goes through it too.
  Tensor forward(const Batch& batch, Precision precision, ForwardCache* cache = nullptr,
                 RouterStats* stats = nullptr, RoutedExperts* routed = nullptr);
  // Accumulates into every parameter's grad (allocated on first use) from dlogits [T, V] (on
  // device()), using the cache of the forward over the same batch and precision.
  void backward(const Tensor& dlogits, const Batch& batch, ForwardCache& cache);
  void zero_grad();

  // Incremental forward over a KV cache (model/transformer_decode.cpp): sequence s appends
  // batch.tokens[seq_offsets[s], seq_offsets[s+1]) to slot slots[s], at the positions after what
  // the slot holds (batch.positions is not read). Returns the logits of every token [T, V] when
  // all_logits, else of each sequence's last token [S, V].
  Tensor forward_cached(const Batch& batch, const std::vector<int>& slots, KvCache& kv, Precision precision,
                        CachedPass pass, bool all_logits = false);

 private:
  ModelConfig cfg_;
  ModelWeights w_;
};

// The router's top-k settings (k, scoring function, normalization, scaling) from the config.
RoutingConfig routing_config(const ModelConfig& cfg);

// log p(token_t | tokens_<t) for t = 1..len-1 of each sequence, in one packed vector per sequence.
std::vector<std::vector<float>> sequence_logprobs(Transformer& model, const Batch& batch, Precision precision);

}  // namespace rlvr::model
