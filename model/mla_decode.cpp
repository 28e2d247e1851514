// The cached pass of multi-head latent attention over the compressed cache (see mla.h): per
// token only [norm(c) | k_rope] is stored; kv_b_proj is absorbed into the query side
// (q_nope_h W_uk_h, a query in latent space) and the output side (o_h W_uv_h^T), so every head
// attends to the one latent row per position (one key/value head of kv_lora_rank +
// qk_rope_head_dim; the output's RoPE columns are not used).
#include "kernels/ops.h"
#include "kernels/quantize.h"
#include "model/layer_helpers.h"
#include "model/mla.h"
#include "model/rope.h"

namespace rlvr::model {

using detail::empty_f32;

namespace {

// kv_b_proj as the precision rounds it (the BF16 copy, or the FP8 blocks dequantized), F32 on the host.
Tensor rounded_kv_b(const LinearWeight& w, Precision p) {
  switch (p) {
    case Precision::FP32: return w.weight.to(Device::CPU);
    case Precision::BF16: return w.bf16().to(Device::CPU).to(DType::F32);
    case Precision::FP8: return dequantize_fp8(w.fp8()).to(Device::CPU);
  }
  return Tensor();
}

// The per-head blocks of kv_b_proj the absorbed products use (built on the host, then moved).
const MlaAbsorbed& absorbed(const MlaWeights& w, const ModelConfig& cfg, Precision p) {
  MlaAbsorbed& a = w.absorbed;
  const Device dev = w.kv_b.device();
  if (a.version == w.kv_b.version && a.precision == p && a.uk_t.defined() && a.uk_t.device() == dev) return a;
  const int64_t H = cfg.num_attention_heads, dn = cfg.qk_nope_head_dim, dv = cfg.v_head_dim, R = cfg.kv_lora_rank;
  const Tensor kv_b = rounded_kv_b(w.kv_b, p);
  const float* src = kv_b.data<float>();  // [H*(dn+dv), R]
  Tensor uk_t = Tensor::empty({H * R, dn}, DType::F32), uv = Tensor::empty({H * dv, R}, DType::F32);
  float* uk = uk_t.data<float>();
  float* vv = uv.data<float>();
  for (int64_t h = 0; h < H; ++h) {
    const float* head = src + h * (dn + dv) * R;
    for (int64_t d = 0; d < dn; ++d)
      for (int64_t r = 0; r < R; ++r) uk[(h * R + r) * dn + d] = head[d * R + r];
    for (int64_t j = 0; j < dv; ++j)
      for (int64_t r = 0; r < R; ++r) vv[(h * dv + j) * R + r] = head[(dn + j) * R + r];
  }
  a.uk_t = uk_t.to(dev);
  a.uv = uv.to(dev);
  a.version = w.kv_b.version;
  a.precision = p;
  return a;
}

}  // namespace

void mla_decode(Tensor& y, const Tensor& h, const MlaWeights& w, const ModelConfig& cfg, int layer, const KvAppend& at,
                KvCache& kv, const Gemms& gemms) {
  const int64_t T = h.dim(0), H = cfg.num_attention_heads, dn = cfg.qk_nope_head_dim, dr = cfg.qk_rope_head_dim;
  const int64_t dv = cfg.v_head_dim, R = cfg.kv_lora_rank, L = R + dr, dq = cfg.qk_head_dim();
  const Device dev = h.device();
  const RopeParams rope = mla_rope(cfg);
  Tensor q, latent, k_rope;
  mla_query(q, h, w, cfg, at.positions, rope, gemms, nullptr);
  mla_latent(latent, k_rope, h, w, cfg, at.positions, rope, gemms, nullptr);
  // Cached as kv_b_proj's input is rounded in the forward, so that the absorbed products differ
  // from the forward's expanded keys and values by the FP32 summation order only.
  latent = as_linear_input(latent, gemms.precision);
  const MlaAbsorbed& ab = absorbed(w, cfg, gemms.precision);
  // The query in latent space, per head [q_nope W_uk | q_rope].
  Tensor q_lat = empty_f32({T, H * L}, dev), q_nope = empty_f32({T, dn}, dev), q_abs = empty_f32({T, R}, dev);
  Tensor q_lat_rows = q_lat.reshape({T * H, L});
  copy_columns(q_lat_rows, R, q.reshape({T * H, dq}), dn, dr);
  for (int64_t hd = 0; hd < H; ++hd) {
    copy_columns(q_nope, 0, q, hd * dq, dn);
    gemms.fp32(q_abs, q_nope, ab.uk_t.slice_rows(hd * R, (hd + 1) * R));
    copy_columns(q_lat, hd * L, q_abs, 0, R);
  }
  Tensor out = empty_f32({T, H * L}, dev);
  for (size_t s = 0; s < at.slots.size(); ++s) {
    const int64_t t0 = at.seq_offsets[s], t1 = at.seq_offsets[s + 1], end = at.start[s] + (t1 - t0);
    const Tensor rows = kv.keys(layer, at.slots[s], end);
    Tensor fresh = rows.slice_rows(at.start[s], end);
    copy_columns(fresh, 0, latent.slice_rows(t0, t1), 0, R);
    copy_columns(fresh, R, k_rope.slice_rows(t0, t1), 0, dr);
    Tensor out_s = out.slice_rows(t0, t1), lse = empty_f32({H, t1 - t0}, dev);
    attention_forward(out_s, lse, q_lat.slice_rows(t0, t1), rows, rows, int(H), 1, mla_softmax_scale(cfg), at.start[s]);
  }
  // Back from the latent: head h's value output is its latent output times W_uv^T.
  Tensor o_in = empty_f32({T, H * dv}, dev), o_lat = empty_f32({T, R}, dev), o_h = empty_f32({T, dv}, dev);
  for (int64_t hd = 0; hd < H; ++hd) {
    copy_columns(o_lat, 0, out, hd * L, R);
    gemms.fp32(o_h, o_lat, ab.uv.slice_rows(hd * dv, (hd + 1) * dv));
    copy_columns(o_in, hd * dv, o_h, 0, dv);
  }
  gemms.linear(y, o_in, w.o, nullptr, kAttentionOutput);
}

}  // namespace rlvr::model
