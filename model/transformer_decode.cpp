// The incremental (KV-cached) forward used by generation: prefill a prompt, then one token per
// sequence per step. Same math as Transformer::forward (tests/model/test_kv_cache.cpp), without
// the activation cache; decode steps run the decode GEMMs on weights at their stored width (on
// the CPU; on CUDA every pass runs the batch GEMMs, cuBLASLt's).
#include <cmath>
#include <set>

#include "kernels/gemm.h"
#include "kernels/gemm_decode.h"
#include "kernels/ops.h"
#include "model/kv_cache.h"
#include "model/layer_helpers.h"
#include "model/transformer.h"

namespace rlvr::model {

namespace {

using detail::empty_f32;

// One pass's GEMMs: the batch ones (prefill) or the decode kernels.
struct Gemms {
  Precision precision;
  bool decode;

  void linear(Tensor& y, const Tensor& x, const LinearWeight& w, bool pow2_input = false) const {
    if (!decode) {
      linear_forward(y, x, w, precision, nullptr, {pow2_input, false});
      return;
    }
    if (!y.defined()) y = empty_f32({x.dim(0), w.out_features()}, x.device());
    switch (precision) {
      case Precision::FP32: gemm_f32_decode(y, x, w.weight); break;
      case Precision::BF16: gemm_bf16_decode(y, x, w.bf16()); break;
      case Precision::FP8: gemm_fp8_decode(y, x, w.fp8(), pow2_input); break;
    }
  }
  // The FP32 GEMMs outside the recipe (router, output head): y = x·W^T.
  void fp32(Tensor& y, const Tensor& x, const Tensor& w) const {
    if (decode)
      gemm_f32_decode(y, x, w);
    else
      gemm(y, x, false, w, true);
  }
};

Tensor head_rmsnorm(const Tensor& x, const Param& w, int head_dim, float eps) {
  const Tensor rows = x.reshape({x.numel() / head_dim, head_dim});
  Tensor out = empty_f32(rows.shape(), x.device()), rstd = empty_f32({rows.dim(0)}, x.device());
  rmsnorm_forward(out, rstd, rows, w.value, eps);
  return out.reshape(x.shape());
}

void mlp(Tensor& y, const Tensor& x, const MlpWeights& w, const Gemms& g, bool pow2_input) {
  Tensor gate, up;
  g.linear(gate, x, w.gate, pow2_input);
  g.linear(up, x, w.up, pow2_input);
  Tensor a = empty_f32(gate.shape(), x.device());
  swiglu_forward(a, gate, up);
  g.linear(y, a, w.down);
}

void moe(Tensor& y, const Tensor& h, const MoeWeights& w, const ModelConfig& cfg, const Gemms& g) {
  const int64_t T = h.dim(0), C = h.dim(1), E = cfg.num_experts, K = cfg.num_experts_per_tok;
  const Device dev = h.device();
  Tensor logits = empty_f32({T, E}, dev);
  g.fp32(logits, h, w.router.value);
  Tensor ids = Tensor::empty({T, K}, DType::I32, dev), gates = empty_f32({T, K}, dev), scores = empty_f32({T, E}, dev);
  const bool use_bias = cfg.scoring_func == "sigmoid" || cfg.expert_bias_update_rate > 0;
  topk_route(ids, gates, scores, logits, use_bias ? w.expert_bias.value : Tensor(), routing_config(cfg));
  const Permutation perm = make_permutation(ids, int(E));
  Tensor xp = empty_f32({perm.n_rows(), C}, dev);
  permute_rows(xp, h, perm);
  Tensor out = Tensor::zeros({perm.n_rows(), C}, DType::F32, dev);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = perm.offsets[size_t(e)], r1 = perm.offsets[size_t(e) + 1];
    if (r1 == r0) continue;
    Tensor ye = out.slice_rows(r0, r1);
    // Recipe: power-of-2 scales for the dispatch payload (the experts' input), as in forward.
    mlp(ye, xp.slice_rows(r0, r1), w.experts[size_t(e)], g, true);
  }
  y = empty_f32({T, C}, dev);
  unpermute_combine(y, out, gates, perm);
  if (w.has_shared) {
    Tensor ys;
    mlp(ys, h, w.shared, g, false);
    add_inplace(y, ys);
  }
}

}  // namespace

Tensor Transformer::forward_cached(const Batch& host_batch, const std::vector<int>& slots, KvCache& kv,
                                   Precision precision, CachedPass pass, bool all_logits) {
  const ModelConfig& c = cfg_;
  const Device dev = device();
  detail::check_tokens(host_batch, c.vocab_size);  // before the copy: a CPU batch is read in place
  const Batch batch = host_batch.to(dev);
  const int64_t T = batch.n_tokens(), C = c.hidden_size, D = c.head_dim;
  const size_t S = slots.size();
  RLVR_CHECK(T > 0 && batch.seq_offsets.size() == S + 1 && batch.seq_offsets.back() == T, "model",
             "forward_cached: ", S, " slots for a batch of ", batch.seq_offsets.size() - 1, " sequences, ", T, " tokens");
  RLVR_CHECK(std::set<int>(slots.begin(), slots.end()).size() == S, "model", "forward_cached: a slot appears twice");
  RLVR_CHECK(kv.device() == dev, "model", "forward_cached: the KV cache is on ", device_name(kv.device()),
             ", the weights on ", device_name(dev));
  std::vector<int64_t> start(S);
  Tensor positions = Tensor::empty({T}, DType::I32);
  for (size_t s = 0; s < S; ++s) {
    const int64_t n = batch.seq_offsets[s + 1] - batch.seq_offsets[s];
    start[s] = kv.length(slots[s]);
    RLVR_CHECK(n > 0, "model", "forward_cached: sequence ", s, " has no tokens");
    RLVR_CHECK(start[s] + n <= kv.max_len() && start[s] + n <= c.max_position_embeddings, "model",
               "forward_cached: sequence ", s, " would reach position ", start[s] + n, " (KV slot holds ", kv.max_len(),
               ", max_position_embeddings ", c.max_position_embeddings, ")");
    for (int64_t i = 0; i < n; ++i) positions.data<int32_t>()[batch.seq_offsets[s] + i] = int32_t(start[s] + i);
  }
  positions = positions.to(dev);
  const Gemms g{precision, pass == CachedPass::Decode && dev == Device::CPU};

  Tensor x = empty_f32({T, C}, dev);
  embedding_forward(x, batch.tokens, w_.embed.value);
  const float scale = 1.0f / std::sqrt(float(D));
  Tensor h = empty_f32({T, C}, dev), rstd = empty_f32({T}, dev);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const LayerWeights& L = w_.layers[size_t(l)];
    rmsnorm_forward(h, rstd, x, L.input_norm.value, c.rms_norm_eps);
    Tensor q, k, v;
    g.linear(q, h, L.attn.q);
    g.linear(k, h, L.attn.k);
    g.linear(v, h, L.attn.v);
    q = head_rmsnorm(q, L.attn.q_norm, int(D), c.rms_norm_eps);
    k = head_rmsnorm(k, L.attn.k_norm, int(D), c.rms_norm_eps);
    rope_forward(q, positions, int(D), c.rope_theta);
    rope_forward(k, positions, int(D), c.rope_theta);
    Tensor attn = empty_f32({T, int64_t(c.q_dim())}, dev);
    for (size_t s = 0; s < S; ++s) {
      const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1], end = start[s] + (t1 - t0);
      kv.keys(l, slots[s], end).slice_rows(start[s], end).copy_(k.slice_rows(t0, t1));
      kv.values(l, slots[s], end).slice_rows(start[s], end).copy_(v.slice_rows(t0, t1));
      Tensor out = attn.slice_rows(t0, t1), lse = empty_f32({c.num_attention_heads, t1 - t0}, dev);
      attention_forward(out, lse, q.slice_rows(t0, t1), kv.keys(l, slots[s], end), kv.values(l, slots[s], end),
                        c.num_attention_heads, c.num_key_value_heads, scale, start[s]);
    }
    Tensor o;
    g.linear(o, attn, L.attn.o, /*pow2_input=*/true);  // recipe: power-of-2 scales for o_proj's input
    add_inplace(x, o);
    rmsnorm_forward(h, rstd, x, L.post_attn_norm.value, c.rms_norm_eps);
    Tensor y;
    if (L.is_moe)
      moe(y, h, L.moe, c, g);
    else
      mlp(y, h, L.mlp, g, false);
    add_inplace(x, y);
  }
  for (size_t s = 0; s < S; ++s) kv.set_length(slots[s], start[s] + batch.seq_offsets[s + 1] - batch.seq_offsets[s]);

  Tensor last = x;
  if (!all_logits) {
    last = empty_f32({int64_t(S), C}, dev);
    for (size_t s = 0; s < S; ++s)
      last.slice_rows(int64_t(s), int64_t(s) + 1).copy_(x.slice_rows(batch.seq_offsets[s + 1] - 1, batch.seq_offsets[s + 1]));
  }
  Tensor hf = empty_f32(last.shape(), dev), rf = empty_f32({last.dim(0)}, dev);
  rmsnorm_forward(hf, rf, last, w_.final_norm.value, c.rms_norm_eps);
  Tensor logits = empty_f32({last.dim(0), int64_t(c.vocab_size)}, dev);
  g.fp32(logits, hf, c.tie_word_embeddings ? w_.embed.value : w_.lm_head.value);  // head kept in FP32
  return logits;
}

}  // namespace rlvr::model
