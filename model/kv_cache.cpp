// KV cache storage: one F32 tensor per layer for keys and one for values (none with MLA), slots
// back to back.
#include "model/kv_cache.h"

namespace rlvr::model {

KvCache::KvCache(const ModelConfig& cfg, int n_slots, int64_t max_len, Device device) : max_len_(max_len) {
  RLVR_CHECK(n_slots > 0 && max_len > 0, "model", "KV cache needs slots and length: ", n_slots, " slots of ", max_len);
  const int64_t rows = int64_t(n_slots) * max_len;
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    if (cfg.uses_mla()) {
      k_.push_back(Tensor::empty({rows, int64_t(cfg.kv_lora_rank) + cfg.qk_rope_head_dim}, DType::F32, device));
      continue;
    }
    k_.push_back(Tensor::empty({rows, int64_t(cfg.kv_dim())}, DType::F32, device));
    v_.push_back(Tensor::empty({rows, int64_t(cfg.kv_dim())}, DType::F32, device));
  }
  length_.assign(size_t(n_slots), 0);
}

void KvCache::check_slot(int slot) const {
  RLVR_CHECK(slot >= 0 && slot < n_slots(), "model", "KV cache slot ", slot, " out of range (", n_slots(), " slots)");
}

int64_t KvCache::length(int slot) const {
  check_slot(slot);
  return length_[size_t(slot)];
}

void KvCache::set_length(int slot, int64_t len) {
  check_slot(slot);
  RLVR_CHECK(len >= 0 && len <= max_len_, "model", "KV cache slot length ", len, " outside [0, ", max_len_, "]");
  length_[size_t(slot)] = len;
}

void KvCache::copy_prefix(int src, int dst, int64_t len) {
  check_slot(src);
  check_slot(dst);
  RLVR_CHECK(len <= length_[size_t(src)], "model", "KV cache copy of ", len, " positions from a slot holding ",
             length_[size_t(src)]);
  if (src != dst)
    for (size_t l = 0; l < k_.size(); ++l) {
      keys(int(l), dst, len).copy_(keys(int(l), src, len));
      if (has_values()) values(int(l), dst, len).copy_(values(int(l), src, len));
    }
  length_[size_t(dst)] = len;
}

Tensor KvCache::keys(int layer, int slot, int64_t len) const {
  return k_[size_t(layer)].slice_rows(int64_t(slot) * max_len_, int64_t(slot) * max_len_ + len);
}

Tensor KvCache::values(int layer, int slot, int64_t len) const {
  RLVR_CHECK(has_values(), "model", "KV cache: multi-head latent attention keeps no values (the latent is in keys)");
  return v_[size_t(layer)].slice_rows(int64_t(slot) * max_len_, int64_t(slot) * max_len_ + len);
}

size_t KvCache::nbytes() const {
  size_t n = 0;
  for (const Tensor& t : k_) n += t.nbytes();
  for (const Tensor& t : v_) n += t.nbytes();
  return n;
}

}  // namespace rlvr::model
