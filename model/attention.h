// The attention block of a decoder layer: grouped-query self-attention with Qwen3's per-head
// q/k RMSNorm and RoPE, from the normalized residual stream h [T, C] to the output projection
// y [T, C] that is added back to it:
//   y = o_proj(attn(rope(q_norm(q_proj h)), rope(k_norm(k_proj h)), v_proj h))
// Three entry points share the projections: attention_forward over packed sequences (training,
// scoring), its backward, and attention_decode over a KV cache (generation). The other variant,
// multi-head latent attention, is the same set in model/mla.h; the layer picks one.
#pragma once

#include <cstdint>
#include <vector>

#include "model/batch.h"
#include "model/kv_cache.h"
#include "model/linear.h"
#include "model/weights.h"

namespace rlvr::model {

struct AttentionCache {
  LinearCache qkv_in;              // the input shared by q_proj, k_proj and v_proj
  LinearCache o_in;                // o_proj's input (the attention output)
  Tensor q_raw, k_raw;             // projections before the per-head norm [T, H*D]
  Tensor q_rstd, k_rstd;           // per (token, head)
  Tensor q, k, v;                  // after norm and RoPE [T, H*D]
  Tensor out, lse;                 // attention output [T, Hq*D]; log-sum-exp [Hq*T] per sequence
  size_t cached_bytes() const;
};

// y [T, C] (allocated) from h [T, C] over batch's sequences (positions and seq_offsets are read;
// they are on h's device). cache may be null (no backward).
void attention_forward(Tensor& y, const Tensor& h, const AttentionWeights& w, const ModelConfig& cfg,
                       const Batch& batch, const Gemms& gemms, AttentionCache* cache);
// dh [T, C] (allocated) from dy [T, C], after attention_forward over the same batch; the
// weights' grads are accumulated.
void attention_backward(Tensor& dh, const Tensor& dy, AttentionWeights& w, const ModelConfig& cfg,
                        const Batch& batch, AttentionCache& cache);

// y [T, C] (allocated) from h [T, C] of layer `layer`: the new keys and values are written to
// kv, and each token attends to its slot's positions up to its own.
void attention_decode(Tensor& y, const Tensor& h, const AttentionWeights& w, const ModelConfig& cfg, int layer,
                      const KvAppend& at, KvCache& kv, const Gemms& gemms);

}  // namespace rlvr::model
