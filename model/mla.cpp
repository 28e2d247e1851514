// Multi-head latent attention: the shared projections, the forward over packed sequences and its
// backward (see mla.h). The per-head joins and splits are column-block copies.
#include "model/mla.h"

#include <algorithm>

#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/rope.h"

namespace rlvr::model {

using detail::empty_f32;
using detail::grad_of;

namespace {

// x [T, H*W] viewed as one row per (token, head): [T*H, W], sharing storage.
Tensor per_head(const Tensor& x, int64_t H) { return x.reshape({x.dim(0) * H, x.dim(1) / H}); }

// Rotates (or, with backward, rotates back) columns [offset, offset + rope.head_dim) of every head
// of x [T, H*W] in place.
void rotate_head_tails(Tensor& x, int64_t H, int64_t offset, const Tensor& positions, const RopeParams& rope,
                       bool backward) {
  const int64_t T = x.dim(0), n = rope.head_dim;
  Tensor rows = per_head(x, H), tail = empty_f32({T * H, n}, x.device());
  copy_columns(tail, 0, rows, offset, n);
  Tensor tails = tail.reshape({T, H * n});
  if (backward)
    rope_backward(tails, positions, rope);
  else
    rope_forward(tails, positions, rope);
  copy_columns(rows, offset, tail, 0, n);
}

// [T, H*to] (zeros) with the first `from` columns of each head of x [T, H*from]; x itself when the
// widths agree.
Tensor pad_heads(const Tensor& x, int64_t H, int64_t to) {
  if (x.dim(1) == H * to) return x;
  Tensor out = Tensor::zeros({x.dim(0), H * to}, DType::F32, x.device());
  Tensor rows = per_head(out, H);
  copy_columns(rows, 0, per_head(x, H), 0, x.dim(1) / H);
  return out;
}

// The first `width` columns of each head of x [T, H*Da]: [T, H*width].
Tensor head_prefix(const Tensor& x, int64_t H, int64_t width) {
  if (x.dim(1) == H * width) return x;
  Tensor out = empty_f32({x.dim(0), H * width}, x.device());
  Tensor rows = per_head(out, H);
  copy_columns(rows, 0, per_head(x, H), 0, width);
  return out;
}

int64_t attention_width(const ModelConfig& cfg) { return std::max(cfg.qk_head_dim(), cfg.v_head_dim); }

// The attention core's keys and values [T, H*Da] (allocated): per head [k_nope | k_rope | 0] and
// [v | 0], from kv_b_proj's output kv (per head [k_nope | v]) and the shared RoPE key.
void expand_keys_values(Tensor& k, Tensor& v, const Tensor& kv, const Tensor& k_rope, const ModelConfig& cfg) {
  const int64_t T = kv.dim(0), H = cfg.num_attention_heads, dn = cfg.qk_nope_head_dim, Da = attention_width(cfg);
  k = Tensor::zeros({T, H * Da}, DType::F32, kv.device());
  v = Tensor::zeros({T, H * Da}, DType::F32, kv.device());
  const Tensor kv_rows = per_head(kv, H);
  Tensor k_rows = per_head(k, H), v_rows = per_head(v, H);
  copy_columns(k_rows, 0, kv_rows, 0, dn);
  for (int64_t hd = 0; hd < H; ++hd) copy_columns(k, hd * Da + dn, k_rope, 0, cfg.qk_rope_head_dim);
  copy_columns(v_rows, 0, kv_rows, dn, cfg.v_head_dim);
}

// The log-sum-exp rows of sequence [t0, t1) as the attention op wants them: [H, t1 - t0].
Tensor lse_rows(const Tensor& lse, int64_t H, int64_t t0, int64_t t1) {
  return lse.slice_rows(t0 * H, t1 * H).reshape({H, t1 - t0});
}

}  // namespace

size_t MlaCache::cached_bytes() const {
  size_t n = h_in.cached_bytes() + q_b_in.cached_bytes() + kv_b_in.cached_bytes() + o_in.cached_bytes();
  for (const Tensor* t : {&q_a, &q_a_rstd, &c, &c_rstd, &q, &kv, &k_rope, &out, &lse}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

RopeParams mla_rope(const ModelConfig& cfg) { return rope_params(cfg, cfg.qk_rope_head_dim, cfg.rope_interleave); }

void mla_query(Tensor& q, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, const Tensor& positions,
               const RopeParams& rope, const Gemms& gemms, MlaCache* cache) {
  q = Tensor();
  LinearCache* h_in = cache ? &cache->h_in : nullptr;
  if (cfg.q_lora_rank > 0) {
    Tensor q_a;
    gemms.linear(q_a, h, w.q_a, h_in);
    Tensor q_a_n = empty_f32(q_a.shape(), h.device()), rstd = empty_f32({q_a.dim(0)}, h.device());
    rmsnorm_forward(q_a_n, rstd, q_a, w.q_a_norm.value, cfg.rms_norm_eps);
    gemms.linear(q, q_a_n, w.q_b, cache ? &cache->q_b_in : nullptr);
    if (cache) cache->q_a = q_a, cache->q_a_rstd = rstd;
  } else {
    gemms.linear(q, h, w.q, h_in);
  }
  rotate_head_tails(q, cfg.num_attention_heads, cfg.qk_nope_head_dim, positions, rope, false);
}

void mla_latent(Tensor& latent, Tensor& k_rope, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg,
                const Tensor& positions, const RopeParams& rope, const Gemms& gemms, MlaCache* cache) {
  const int64_t T = h.dim(0), R = cfg.kv_lora_rank, dr = cfg.qk_rope_head_dim;
  const Device dev = h.device();
  Tensor kv_a;
  gemms.linear(kv_a, h, w.kv_a);  // its input's cache is the query's (h_in)
  Tensor c = empty_f32({T, R}, dev), rstd = empty_f32({T}, dev);
  k_rope = empty_f32({T, dr}, dev);
  copy_columns(c, 0, kv_a, 0, R);
  copy_columns(k_rope, 0, kv_a, R, dr);
  latent = empty_f32({T, R}, dev);
  rmsnorm_forward(latent, rstd, c, w.kv_a_norm.value, cfg.rms_norm_eps);
  rope_forward(k_rope, positions, rope);
  if (cache) cache->c = c, cache->c_rstd = rstd;
}

void mla_forward(Tensor& y, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, const Batch& batch,
                 const Gemms& gemms, MlaCache* cache) {
  const int64_t T = h.dim(0), H = cfg.num_attention_heads, Da = attention_width(cfg);
  const Device dev = h.device();
  const RopeParams rope = mla_rope(cfg);
  Tensor q, latent, k_rope, kv;
  mla_query(q, h, w, cfg, batch.positions, rope, gemms, cache);
  mla_latent(latent, k_rope, h, w, cfg, batch.positions, rope, gemms, cache);
  gemms.linear(kv, latent, w.kv_b, cache ? &cache->kv_b_in : nullptr);  // per head [k_nope | v]
  const Tensor qa = pad_heads(q, H, Da);  // per head [q | 0], Da wide as the keys
  Tensor k, v;
  expand_keys_values(k, v, kv, k_rope, cfg);
  Tensor out = empty_f32({T, H * Da}, dev), lse = empty_f32({T * H}, dev);
  for (size_t s = 0; s < batch.n_sequences(); ++s) {
    const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
    Tensor out_s = out.slice_rows(t0, t1), lse_s = lse_rows(lse, H, t0, t1);
    attention_forward(out_s, lse_s, qa.slice_rows(t0, t1), k.slice_rows(t0, t1), v.slice_rows(t0, t1), int(H),
                      int(H), mla_softmax_scale(cfg), 0);
  }
  gemms.linear(y, head_prefix(out, H, cfg.v_head_dim), w.o, cache ? &cache->o_in : nullptr, kAttentionOutput);
  if (cache) cache->q = qa, cache->kv = kv, cache->k_rope = k_rope, cache->out = out, cache->lse = lse;
}

void mla_backward(Tensor& dh, const Tensor& dy, MlaWeights& w, const ModelConfig& cfg, const Batch& batch,
                  MlaCache& c) {
  const int64_t T = dy.dim(0), H = cfg.num_attention_heads, dn = cfg.qk_nope_head_dim, dv = cfg.v_head_dim;
  const int64_t dr = cfg.qk_rope_head_dim, R = cfg.kv_lora_rank, Da = attention_width(cfg);
  const Device dev = dy.device();
  const RopeParams rope = mla_rope(cfg);
  Tensor do_in;
  linear_backward(&do_in, dy, w.o, c.o_in);
  const Tensor dout = pad_heads(do_in, H, Da);
  Tensor k, v;
  expand_keys_values(k, v, c.kv, c.k_rope, cfg);
  Tensor dq = empty_f32({T, H * Da}, dev), dk = empty_f32({T, H * Da}, dev), dvv = empty_f32({T, H * Da}, dev);
  for (size_t s = 0; s < batch.n_sequences(); ++s) {
    const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
    Tensor dq_s = dq.slice_rows(t0, t1), dk_s = dk.slice_rows(t0, t1), dv_s = dvv.slice_rows(t0, t1);
    attention_backward(dq_s, dk_s, dv_s, dout.slice_rows(t0, t1), c.out.slice_rows(t0, t1), lse_rows(c.lse, H, t0, t1),
                       c.q.slice_rows(t0, t1), k.slice_rows(t0, t1), v.slice_rows(t0, t1), int(H), int(H),
                       mla_softmax_scale(cfg), 0);
  }
  // kv_b_proj's output gradient, per head [dk_nope | dv]; the shared RoPE key sums its heads.
  Tensor dkv = empty_f32({T, H * (dn + dv)}, dev), dk_rope = Tensor::zeros({T, dr}, DType::F32, dev);
  Tensor dkv_rows = per_head(dkv, H);
  copy_columns(dkv_rows, 0, per_head(dk, H), 0, dn);
  copy_columns(dkv_rows, dn, per_head(dvv, H), 0, dv);
  for (int64_t hd = 0; hd < H; ++hd) copy_columns(dk_rope, 0, dk, hd * Da + dn, dr, /*accumulate=*/true);
  rope_backward(dk_rope, batch.positions, rope);
  Tensor dq_heads = head_prefix(dq, H, cfg.qk_head_dim());
  rotate_head_tails(dq_heads, H, dn, batch.positions, rope, true);
  // The latent: kv_b_proj, kv_a_layernorm, then kv_a_proj_with_mqa with the RoPE key's gradient.
  Tensor dlatent, dkv_a = empty_f32({T, R + dr}, dev), dc = empty_f32({T, R}, dev);
  linear_backward(&dlatent, dkv, w.kv_b, c.kv_b_in);
  rmsnorm_backward(dc, grad_of(w.kv_a_norm), dlatent, c.c, w.kv_a_norm.value, c.c_rstd);
  copy_columns(dkv_a, 0, dc, 0, R);
  copy_columns(dkv_a, R, dk_rope, 0, dr);
  dh = Tensor();
  linear_backward(&dh, dkv_a, w.kv_a, c.h_in);
  // The query.
  Tensor dh_q;
  if (cfg.q_lora_rank > 0) {
    Tensor dq_a_n, dq_a = empty_f32(c.q_a.shape(), dev);
    linear_backward(&dq_a_n, dq_heads, w.q_b, c.q_b_in);
    rmsnorm_backward(dq_a, grad_of(w.q_a_norm), dq_a_n, c.q_a, w.q_a_norm.value, c.q_a_rstd);
    linear_backward(&dh_q, dq_a, w.q_a, c.h_in);
  } else {
    linear_backward(&dh_q, dq_heads, w.q, c.h_in);
  }
  add_inplace(dh, dh_q);
}

}  // namespace rlvr::model
