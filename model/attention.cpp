// The attention block (see attention.h): forward over packed sequences, backward, and the
// KV-cached pass of generation, sharing the q/k/v projections.
#include "model/attention.h"

#include <cmath>

#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/rope.h"

namespace rlvr::model {

namespace {

using detail::empty_f32;
using detail::grad_of;

float softmax_scale(const ModelConfig& cfg) { return 1.0f / std::sqrt(float(cfg.head_dim)); }

// Per-head RMSNorm (Qwen3's q_norm / k_norm): x [T, H*D] viewed as [T*H, D].
Tensor head_rmsnorm(const Tensor& x, const Param& w, const ModelConfig& cfg, Tensor& rstd) {
  const Tensor rows = x.reshape({x.numel() / cfg.head_dim, cfg.head_dim});
  Tensor out = empty_f32(rows.shape(), x.device());
  rstd = empty_f32({rows.dim(0)}, x.device());
  rmsnorm_forward(out, rstd, rows, w.value, cfg.rms_norm_eps);
  return out.reshape(x.shape());
}

Tensor head_rmsnorm_backward(const Tensor& dy, const Tensor& x_raw, Param& w, const Tensor& rstd, int head_dim) {
  const Shape rows{x_raw.numel() / head_dim, head_dim};
  Tensor dx = empty_f32(rows, dy.device());
  rmsnorm_backward(dx, grad_of(w), dy.reshape(rows), x_raw.reshape(rows), w.value, rstd);
  return dx.reshape(x_raw.shape());
}

// q, k, v [T, H*D] from h: the projections, the per-head norm and RoPE at `positions`.
void project_qkv(Tensor& q, Tensor& k, Tensor& v, const Tensor& h, const AttentionWeights& w, const ModelConfig& cfg,
                 const Tensor& positions, const Gemms& gemms, AttentionCache* cache) {
  Tensor q_raw, k_raw, q_rstd, k_rstd;
  if (cache) {
    gemms.linear(q_raw, h, w.q, &cache->qkv_in);
    gemms.linear(k_raw, h, w.k);
    gemms.linear(v, h, w.v);
  } else {
    gemms.linears({{&q_raw, &w.q}, {&k_raw, &w.k}, {&v, &w.v}}, h);
  }
  q = head_rmsnorm(q_raw, w.q_norm, cfg, q_rstd);
  k = head_rmsnorm(k_raw, w.k_norm, cfg, k_rstd);
  const RopeParams rope = rope_params(cfg, cfg.head_dim, false);
  rope_forward(q, positions, rope);
  rope_forward(k, positions, rope);
  if (!cache) return;
  cache->q_raw = q_raw, cache->k_raw = k_raw, cache->q_rstd = q_rstd, cache->k_rstd = k_rstd;
  cache->q = q, cache->k = k, cache->v = v;
}

// The log-sum-exp rows of sequence [t0, t1) as the attention op wants them: [Hq, t1 - t0].
Tensor lse_of(const Tensor& lse, const ModelConfig& cfg, int64_t t0, int64_t t1) {
  const int64_t H = cfg.num_attention_heads;
  return lse.slice_rows(t0 * H, t1 * H).reshape({H, t1 - t0});
}

}  // namespace

size_t AttentionCache::cached_bytes() const {
  size_t n = qkv_in.cached_bytes() + o_in.cached_bytes();  // k and v share q's input
  for (const Tensor* t : {&q_raw, &k_raw, &q_rstd, &k_rstd, &q, &k, &v, &out, &lse}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

void attention_forward(Tensor& y, const Tensor& h, const AttentionWeights& w, const ModelConfig& cfg,
                       const Batch& batch, const Gemms& gemms, AttentionCache* cache) {
  const int64_t T = h.dim(0);
  Tensor q, k, v;
  project_qkv(q, k, v, h, w, cfg, batch.positions, gemms, cache);
  Tensor out = empty_f32({T, int64_t(cfg.q_dim())}, h.device());
  Tensor lse = empty_f32({T * cfg.num_attention_heads}, h.device());
  for (size_t s = 0; s < batch.n_sequences(); ++s) {
    const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
    Tensor out_s = out.slice_rows(t0, t1), lse_s = lse_of(lse, cfg, t0, t1);
    rlvr::attention_forward(out_s, lse_s, q.slice_rows(t0, t1), k.slice_rows(t0, t1), v.slice_rows(t0, t1),
                            cfg.num_attention_heads, cfg.num_key_value_heads, softmax_scale(cfg), 0);
  }
  gemms.linear(y, out, w.o, cache ? &cache->o_in : nullptr, kAttentionOutput);
  if (cache) cache->out = out, cache->lse = lse;
}

void attention_backward(Tensor& dh, const Tensor& dy, AttentionWeights& w, const ModelConfig& cfg,
                        const Batch& batch, AttentionCache& c) {
  const Device dev = dy.device();
  Tensor dout;
  linear_backward(&dout, dy, w.o, c.o_in);
  Tensor dq = empty_f32(c.q.shape(), dev), dk = empty_f32(c.k.shape(), dev), dv = empty_f32(c.v.shape(), dev);
  for (size_t s = 0; s < batch.n_sequences(); ++s) {
    const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
    Tensor dq_s = dq.slice_rows(t0, t1), dk_s = dk.slice_rows(t0, t1), dv_s = dv.slice_rows(t0, t1);
    rlvr::attention_backward(dq_s, dk_s, dv_s, dout.slice_rows(t0, t1), c.out.slice_rows(t0, t1),
                             lse_of(c.lse, cfg, t0, t1), c.q.slice_rows(t0, t1), c.k.slice_rows(t0, t1),
                             c.v.slice_rows(t0, t1), cfg.num_attention_heads, cfg.num_key_value_heads,
                             softmax_scale(cfg), 0);
  }
  const RopeParams rope = rope_params(cfg, cfg.head_dim, false);
  rope_backward(dq, batch.positions, rope);
  rope_backward(dk, batch.positions, rope);
  const Tensor dq_raw = head_rmsnorm_backward(dq, c.q_raw, w.q_norm, c.q_rstd, cfg.head_dim);
  const Tensor dk_raw = head_rmsnorm_backward(dk, c.k_raw, w.k_norm, c.k_rstd, cfg.head_dim);
  Tensor dh_k, dh_v;
  dh = Tensor();
  linear_backward(&dh, dq_raw, w.q, c.qkv_in);
  linear_backward(&dh_k, dk_raw, w.k, c.qkv_in);
  linear_backward(&dh_v, dv, w.v, c.qkv_in);
  add_inplace(dh, dh_k);
  add_inplace(dh, dh_v);
}

void attention_decode(Tensor& y, const Tensor& h, const AttentionWeights& w, const ModelConfig& cfg, int layer,
                      const KvAppend& at, KvCache& kv, const Gemms& gemms) {
  const int64_t T = h.dim(0);
  Tensor q, k, v;
  project_qkv(q, k, v, h, w, cfg, at.positions, gemms, nullptr);
  Tensor out = empty_f32({T, int64_t(cfg.q_dim())}, h.device());
  std::vector<AttentionSequence> seqs(at.slots.size());
  for (size_t s = 0; s < at.slots.size(); ++s) {
    const int64_t t0 = at.seq_offsets[s], t1 = at.seq_offsets[s + 1], end = at.start[s] + (t1 - t0);
    const Tensor keys = kv.keys(layer, at.slots[s], end), values = kv.values(layer, at.slots[s], end);
    keys.slice_rows(at.start[s], end).copy_(k.slice_rows(t0, t1));
    values.slice_rows(at.start[s], end).copy_(v.slice_rows(t0, t1));
    seqs[s] = {out.slice_rows(t0, t1), q.slice_rows(t0, t1), keys, values};
  }
  attention_forward_sequences(seqs, cfg.num_attention_heads, cfg.num_key_value_heads, softmax_scale(cfg));
  gemms.linear(y, out, w.o, nullptr, kAttentionOutput);
}

}  // namespace rlvr::model
