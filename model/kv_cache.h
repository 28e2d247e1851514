// The KV cache of incremental decoding, per layer and for up to n_slots sequences of up to
// max_len positions each. Grouped-query attention keeps keys (after q/k norm and RoPE) and values
// [kv_dim] per position; multi-head latent attention keeps the compressed cache: per position
// the normalized kv_lora_rank latent followed by the qk_rope_head_dim RoPE key, one row shared by
// every head (model/mla.h), as keys() (values() is empty).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"
#include "model/config.h"

namespace rlvr::model {

class KvCache {
 public:
  KvCache() = default;
  KvCache(const ModelConfig& cfg, int n_slots, int64_t max_len, Device device = Device::CPU);

  Device device() const { return k_.empty() ? Device::CPU : k_[0].device(); }

  int n_slots() const { return int(length_.size()); }
  int64_t max_len() const { return max_len_; }
  int64_t length(int slot) const;                // positions filled in the slot
  void set_length(int slot, int64_t len);        // truncate (len <= length) or grow after a write
  void clear(int slot) { set_length(slot, 0); }
  // Copies positions [0, len) of src into dst (a shared prompt prefix); dst's length becomes len.
  void copy_prefix(int src, int dst, int64_t len);

  // Rows [0, len) of a slot's keys / values in layer l: [len, width], sharing storage.
  Tensor keys(int layer, int slot, int64_t len) const;
  Tensor values(int layer, int slot, int64_t len) const;
  bool has_values() const { return !v_.empty(); }
  size_t nbytes() const;

 private:
  int64_t max_len_ = 0;
  std::vector<Tensor> k_, v_;    // per layer [n_slots * max_len, width]; v_ empty for MLA
  std::vector<int64_t> length_;  // per slot
  void check_slot(int slot) const;
};

// Which GEMMs an incremental forward runs: Prefill uses the batch GEMMs (as forward does),
// Decode the decode kernels (weights read at their stored width; a row's result does not depend
// on the other rows, so continuous batching cannot change a sequence's tokens).
enum class CachedPass : uint8_t { Prefill, Decode };

// Where a cached pass writes: sequence s of the batch (tokens [seq_offsets[s], seq_offsets[s+1]))
// appends to KV slot slots[s] from position start[s]; positions [T] (i32, on the weights'
// device) holds each token's position.
struct KvAppend {
  const std::vector<int>& slots;
  const std::vector<int64_t>& start;
  const std::vector<int64_t>& seq_offsets;
  const Tensor& positions;
};

}  // namespace rlvr::model
