// The decoder-only MoE transformer (Qwen3-MoE layout): forward over a batch of packed
// sequences, with an explicit activation cache for backward.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/batch.h"
#include "model/config.h"
#include "model/decoder_layer.h"
#include "model/param_gather.h"
#include "model/weights.h"

namespace rlvr::model {

struct ForwardCache {
  std::vector<LayerCache> layers;
  Tensor x_final, final_rstd, h_final;  // final norm input / rstd / output
  size_t activation_bytes() const;      // bytes held for backward
};

// Tokens routed to each expert in the last forward, per MoE layer (for logging and balancing).
struct RouterStats {
  std::vector<std::vector<int64_t>> load;  // [layer][expert]; empty for dense layers
  // With Batch::routes: (token, MoE layer) pairs with a record, and those whose live top-k set
  // equals the record.
  int64_t route_records = 0, route_matches = 0;
};

class Transformer {
 public:
  // Zero weights; of the routed experts only `experts` (expert parallelism: this rank's share).
  explicit Transformer(ModelConfig cfg, ExpertRange experts = {});
  // A model over weights already allocated (they may share tensors with another model's).
  Transformer(ModelConfig cfg, ModelWeights weights);
  // Reads config.json and model.safetensors (or a sharded index) from a directory; of the routed
  // experts only `experts` (the others are left unread).
  static Transformer from_dir(const std::string& dir, ExpertRange experts = {});

  const ModelConfig& config() const { return cfg_; }
  // Where the weights live; forward, backward and forward_cached run there (a CPU batch is
  // copied over). to() moves every parameter and gradient.
  Device device() const;
  void to(Device device);
  ModelWeights& weights() { return w_; }
  // The logits cover token ids [0, output_vocab()): the rest of the embedding rows (a checkpoint
  // padded past its tokenizer, as Qwen3's 151,936 rows for 151,669 tokens) can never be sampled
  // nor enter a log-probability. Default: vocab_size.
  void limit_output_vocab(int n);
  int output_vocab() const { return output_vocab_ > 0 ? output_vocab_ : cfg_.vocab_size; }
  std::vector<ParamRef> params() { return list_params(cfg_, w_); }
  // Parameters held in shards (run.shard_params): forward and backward acquire each unit before
  // its block and release it after (model/param_gather.h); zero_grad zeroes what it handed over.
  // Null (the default): every parameter is whole here.
  void set_param_gather(ParamGather* gather) { gather_ = gather; }
  ParamGather* param_gather() const { return gather_; }

  // logits [T, output_vocab()] (F32, on device()). cache/stats may be null. routed, when set, runs every
  // MoE layer's routed experts (expert parallelism); backward then goes through it too. Null:
  // this process runs them all (local_experts()).
  Tensor forward(const Batch& batch, Precision precision, ForwardCache* cache = nullptr,
                 RouterStats* stats = nullptr, RoutedExperts* routed = nullptr);
  // Accumulates into every parameter's grad (allocated on first use) from dlogits [T, output_vocab()] (on
  // device()), using the cache of the forward over the same batch and precision.
  void backward(const Tensor& dlogits, const Batch& batch, ForwardCache& cache);
  void zero_grad();

  // Incremental forward over a KV cache (model/transformer_decode.cpp): sequence s appends
  // batch.tokens[seq_offsets[s], seq_offsets[s+1]) to slot slots[s], at the positions after what
  // the slot holds (batch.positions is not read). Returns the logits of every token [T, V] when
  // all_logits, else of each sequence's last token [S, V]. routes (may be null) receives every
  // token's expert choices, i32 [M, T, k] for the M MoE layers (on device()).
  Tensor forward_cached(const Batch& batch, const std::vector<int>& slots, KvCache& kv, Precision precision,
                        CachedPass pass, bool all_logits = false, Tensor* routes = nullptr);

 private:
  // The output head's rows that make the logits: [output_vocab(), C].
  Tensor head_rows() const;

  ModelConfig cfg_;
  ModelWeights w_;
  int output_vocab_ = 0;
  Device device_ = Device::CPU;
  ParamGather* gather_ = nullptr;
};

}  // namespace rlvr::model
