// Multi-head latent attention (DeepSeek-V3), the attention block of a model with kv_lora_rank > 0:
// from the normalized residual stream h [T, C] to the output projection y [T, C].
//   query   q = q_b(norm(q_a h)) (or q_proj h when q_lora_rank is 0): per head qk_nope_head_dim
//           elements then qk_rope_head_dim ones, the latter rotated by RoPE;
//   latent  [c | k_r] = kv_a_proj_with_mqa h: c (kv_lora_rank) normalized by kv_a_layernorm, k_r
//           (qk_rope_head_dim) rotated: the RoPE key every head shares;
//   keys    per head [k_nope | k_r], values v, with [k_nope | v] per head = kv_b_proj norm(c);
//   y = o_proj(attention(q, keys, values)) at the softmax scale of model/rope.h.
// Training and scoring (mla_forward / mla_backward) expand the keys and values per head; the
// cached pass (mla_decode) keeps only [norm(c) | k_r] per token (model/kv_cache.h) and absorbs
// kv_b_proj into the query (q_nope W_uk: the query in latent space) and the output
// (latent output W_uv^T), so attention runs over the compressed cache. Every Linear follows the
// precision's recipe (FP8: fprop, dgrad and wgrad); the absorbed products use kv_b_proj as the
// precision rounds it, in FP32.
#pragma once

#include "kernels/op_params.h"
#include "model/batch.h"
#include "model/kv_cache.h"
#include "model/linear.h"
#include "model/weights.h"

namespace rlvr::model {

struct MlaCache {
  LinearCache h_in;          // the input h shared by q_a_proj (or q_proj) and kv_a_proj_with_mqa
  Tensor q_a, q_a_rstd;      // q_a_proj's output [T, q_lora_rank] and its norm's rstd
  LinearCache q_b_in;        // q_b_proj's input (the normalized query latent)
  Tensor c, c_rstd;          // the KV latent before kv_a_layernorm [T, kv_lora_rank] and its rstd
  LinearCache kv_b_in;       // kv_b_proj's input (the normalized latent)
  Tensor q;                  // attention queries [T, H*Da], Da = max(qk_head_dim, v_head_dim), zero padded
  Tensor kv, k_rope;         // kv_b_proj's output [T, H*(nope+v)] and the RoPE key: backward re-expands
                             // the attention's keys and values from them
  Tensor out, lse;           // attention output [T, H*Da]; log-sum-exp [H*T] per sequence
  LinearCache o_in;          // o_proj's input [T, H*v_head_dim]
  size_t cached_bytes() const;
};

// y [T, C] (allocated) from h [T, C] over batch's sequences. cache may be null (no backward).
void mla_forward(Tensor& y, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, const Batch& batch,
                 const Gemms& gemms, MlaCache* cache);
// dh [T, C] (allocated) from dy [T, C], after mla_forward over the same batch; the weights'
// grads are accumulated.
void mla_backward(Tensor& dh, const Tensor& dy, MlaWeights& w, const ModelConfig& cfg, const Batch& batch,
                  MlaCache& cache);
// The cached pass of layer `layer` (model/mla_decode.cpp): y [T, C] (allocated); each token's
// [latent | RoPE key] is written to kv and it attends to its slot's positions up to its own.
void mla_decode(Tensor& y, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, int layer, const KvAppend& at,
                KvCache& kv, const Gemms& gemms);

// The projections both passes share. q [T, H*qk_head_dim] (allocated), RoPE applied to the last
// qk_rope_head_dim elements of each head at `positions`.
void mla_query(Tensor& q, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, const Tensor& positions,
               const RopeParams& rope, const Gemms& gemms, MlaCache* cache);
// latent [T, kv_lora_rank] (normalized) and k_rope [T, qk_rope_head_dim] (rotated), allocated.
void mla_latent(Tensor& latent, Tensor& k_rope, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg,
                const Tensor& positions, const RopeParams& rope, const Gemms& gemms, MlaCache* cache);
RopeParams mla_rope(const ModelConfig& cfg);

}  // namespace rlvr::model
