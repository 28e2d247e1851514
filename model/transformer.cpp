// Forward pass of the MoE transformer, layer by layer, filling the activation cache.
#include "model/transformer.h"

#include <cmath>

#include "kernels/gemm.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/mlp.h"

namespace rlvr::model {

namespace {

using detail::empty_f32;

// Per-head RMSNorm (Qwen3's q_norm / k_norm): x [T, H*D] viewed as [T*H, D].
Tensor head_rmsnorm(const Tensor& x, const Param& w, int head_dim, float eps, Tensor& rstd) {
  const Tensor rows = x.reshape({x.numel() / head_dim, head_dim});
  Tensor out = empty_f32(rows.shape(), x.device());
  rstd = empty_f32({rows.dim(0)}, x.device());
  rmsnorm_forward(out, rstd, rows, w.value, eps);
  return out.reshape(x.shape());
}

// The shared experts (when the model has them) added to the routed experts' output y.
void add_shared_experts(Tensor& y, const Tensor& h, const MoeWeights& w, Precision p, MoeCache* cache) {
  if (!w.has_shared) return;
  Tensor ys;
  mlp_forward(ys, h, w.shared, p, cache ? &cache->shared : nullptr, {}, {});
  add_inplace(y, ys);
}

void moe_forward(Tensor& y, const Tensor& h, const MoeWeights& w, const ModelConfig& cfg, Precision p,
                 MoeCache* cache, std::vector<int64_t>* load, int layer, RoutedExperts* routed) {
  MoeCache local;
  MoeCache& c = cache ? *cache : local;
  c.routed = routed;
  if (routed) {
    routed->forward(layer, y, h, w, p, load);
    add_shared_experts(y, h, w, p, cache);
    return;
  }
  const int64_t T = h.dim(0), C = h.dim(1), E = cfg.num_experts, K = cfg.num_experts_per_tok;
  const Device dev = h.device();
  c.h = h;
  // Router in FP32 (the recipe keeps it out of FP8).
  Tensor logits = empty_f32({T, E}, dev);
  gemm(logits, h, false, w.router.value, true);
  c.expert_ids = Tensor::empty({T, K}, DType::I32, dev);
  c.gates = empty_f32({T, K}, dev);
  c.scores = empty_f32({T, E}, dev);
  const bool use_bias = cfg.scoring_func == "sigmoid" || cfg.expert_bias_update_rate > 0;
  topk_route(c.expert_ids, c.gates, c.scores, logits, use_bias ? w.expert_bias.value : Tensor(), routing_config(cfg));
  c.perm = make_permutation(c.expert_ids, int(E));
  const int64_t R = c.perm.n_rows();
  Tensor xp = empty_f32({R, C}, dev);
  permute_rows(xp, h, c.perm);
  c.combined_out = Tensor::zeros({R, C}, DType::F32, dev);
  c.experts.assign(size_t(E), MlpCache{});
  // Recipe: power-of-2 scales for the dispatch payload (the experts' input) and for the
  // activation gradient entering the expert down projection.
  const LinearOptions in_opts{true, false}, down_opts{false, true};
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = c.perm.offsets[size_t(e)], r1 = c.perm.offsets[size_t(e) + 1];
    if (r1 == r0) continue;
    Tensor ye = c.combined_out.slice_rows(r0, r1);
    mlp_forward(ye, xp.slice_rows(r0, r1), w.experts[size_t(e)], p, cache ? &c.experts[size_t(e)] : nullptr,
                in_opts, down_opts);
  }
  y = empty_f32({T, C}, dev);
  unpermute_combine(y, c.combined_out, c.gates, c.perm);
  add_shared_experts(y, h, w, p, cache);
  if (load) {
    Tensor counts = Tensor::empty({E}, DType::I32, dev);
    expert_load(counts, c.expert_ids);
    counts = counts.to(Device::CPU);
    load->assign(counts.data<int32_t>(), counts.data<int32_t>() + E);
  }
}

}  // namespace

Batch Batch::pack(const std::vector<std::vector<int32_t>>& sequences) {
  Batch b;
  int64_t total = 0;
  b.seq_offsets.push_back(0);
  for (const auto& s : sequences) {
    RLVR_CHECK(!s.empty(), "model", "Batch::pack: sequence ", b.seq_offsets.size() - 1, " is empty");
    total += int64_t(s.size());
    b.seq_offsets.push_back(total);
  }
  b.tokens = Tensor::empty({total}, DType::I32);
  b.positions = Tensor::empty({total}, DType::I32);
  int32_t* t = b.tokens.data<int32_t>();
  int32_t* p = b.positions.data<int32_t>();
  for (const auto& s : sequences)
    for (size_t i = 0; i < s.size(); ++i) *t++ = s[i], *p++ = int32_t(i);
  return b;
}

Batch Batch::to(Device device) const {
  Batch b = *this;
  b.tokens = tokens.to(device);
  b.positions = positions.to(device);
  return b;
}

void detail::check_tokens(const Batch& batch, int vocab_size) {
  const Tensor tokens = batch.tokens.to(Device::CPU);
  const int32_t* tok = tokens.data<int32_t>();
  for (int64_t i = 0, T = tokens.numel(); i < T; ++i)
    RLVR_CHECK(tok[i] >= 0 && tok[i] < vocab_size, "model", "token id out of the vocabulary: token ", tok[i],
               " at position ", i, ", vocab_size ", vocab_size);
}

size_t ForwardCache::activation_bytes() const {
  size_t n = 0;
  auto t = [&](const Tensor& x) { n += x.defined() ? x.nbytes() : 0; };
  auto mlp = [&](const MlpCache& m) {
    t(m.g), t(m.u);
    n += m.gate.cached_bytes() + m.up.cached_bytes();  // the down input is recomputed from g, u
  };
  for (const LayerCache& l : layers) {
    t(l.x_in), t(l.rstd1), t(l.q_raw), t(l.k_raw), t(l.q_rstd), t(l.k_rstd), t(l.q), t(l.k), t(l.v), t(l.attn_out),
        t(l.lse), t(l.x_mid), t(l.rstd2);
    n += l.q_proj.cached_bytes() + l.o_proj.cached_bytes();  // k and v share q's input
    mlp(l.mlp);
    for (const MlpCache& e : l.moe.experts) mlp(e);
    mlp(l.moe.shared);
    t(l.moe.gates), t(l.moe.scores), t(l.moe.expert_ids);
  }
  t(x_final), t(final_rstd);
  return n;
}

Transformer::Transformer(ModelConfig cfg) : cfg_(std::move(cfg)), w_(allocate_weights(cfg_)) {}

Device Transformer::device() const { return w_.embed.value.device(); }

void Transformer::to(Device device) {
  for (ParamRef& p : params()) {
    *p.value = p.value->to(device);
    if (p.grad->defined()) *p.grad = p.grad->to(device);
    if (p.version) ++*p.version;  // the FP8/BF16 copies are rebuilt on the new device
  }
}

Tensor Transformer::forward(const Batch& host_or_device_batch, Precision precision, ForwardCache* cache,
                            RouterStats* stats, RoutedExperts* routed) {
  const ModelConfig& c = cfg_;
  const Device dev = device();
  detail::check_tokens(host_or_device_batch, c.vocab_size);  // before the copy: a CPU batch is read in place
  const Batch batch = host_or_device_batch.to(dev);
  const int64_t T = batch.n_tokens(), C = c.hidden_size, D = c.head_dim;
  RLVR_CHECK(T > 0, "model", "forward: empty batch");
  if (cache) cache->layers.assign(size_t(c.num_hidden_layers), LayerCache{});
  if (stats) stats->load.assign(size_t(c.num_hidden_layers), {});

  Tensor x = empty_f32({T, C}, dev);
  embedding_forward(x, batch.tokens, w_.embed.value);
  const float scale = 1.0f / std::sqrt(float(D));
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const LayerWeights& L = w_.layers[size_t(l)];
    LayerCache local;
    LayerCache& lc = cache ? cache->layers[size_t(l)] : local;
    lc.x_in = x;
    // Attention block.
    lc.h1 = empty_f32({T, C}, dev);
    lc.rstd1 = empty_f32({T}, dev);
    rmsnorm_forward(lc.h1, lc.rstd1, x, L.input_norm.value, c.rms_norm_eps);
    Tensor q, k;
    lc.v = Tensor();
    linear_forward(q, lc.h1, L.attn.q, precision, cache ? &lc.q_proj : nullptr);
    linear_forward(k, lc.h1, L.attn.k, precision, nullptr);
    linear_forward(lc.v, lc.h1, L.attn.v, precision, nullptr);
    lc.k_proj = lc.q_proj;  // one cached copy of the shared input
    lc.v_proj = lc.q_proj;
    lc.q_raw = q;
    lc.k_raw = k;
    lc.q = head_rmsnorm(q, L.attn.q_norm, int(D), c.rms_norm_eps, lc.q_rstd);
    lc.k = head_rmsnorm(k, L.attn.k_norm, int(D), c.rms_norm_eps, lc.k_rstd);
    rope_forward(lc.q, batch.positions, int(D), c.rope_theta);
    rope_forward(lc.k, batch.positions, int(D), c.rope_theta);
    lc.attn_out = empty_f32({T, int64_t(c.q_dim())}, dev);
    lc.lse = empty_f32({T * c.num_attention_heads}, dev);
    for (size_t s = 0; s + 1 < batch.seq_offsets.size(); ++s) {
      const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
      Tensor out = lc.attn_out.slice_rows(t0, t1);
      Tensor lse = lc.lse.slice_rows(t0 * c.num_attention_heads, t1 * c.num_attention_heads)
                       .reshape({c.num_attention_heads, t1 - t0});
      attention_forward(out, lse, lc.q.slice_rows(t0, t1), lc.k.slice_rows(t0, t1), lc.v.slice_rows(t0, t1),
                        c.num_attention_heads, c.num_key_value_heads, scale, 0);
    }
    Tensor o;
    // Recipe: power-of-2 scales for the attention output projection's input.
    linear_forward(o, lc.attn_out, L.attn.o, precision, cache ? &lc.o_proj : nullptr, {true, false});
    lc.x_mid = x.clone();
    add_inplace(lc.x_mid, o);
    // MLP or MoE block.
    lc.h2 = empty_f32({T, C}, dev);
    lc.rstd2 = empty_f32({T}, dev);
    rmsnorm_forward(lc.h2, lc.rstd2, lc.x_mid, L.post_attn_norm.value, c.rms_norm_eps);
    Tensor y;
    if (L.is_moe)
      moe_forward(y, lc.h2, L.moe, c, precision, cache ? &lc.moe : nullptr, stats ? &stats->load[size_t(l)] : nullptr, l,
                  routed);
    else
      mlp_forward(y, lc.h2, L.mlp, precision, cache ? &lc.mlp : nullptr, {}, {});
    x = lc.x_mid.clone();
    add_inplace(x, y);
  }
  Tensor h = empty_f32({T, C}, dev);
  Tensor rstd = empty_f32({T}, dev);
  rmsnorm_forward(h, rstd, x, w_.final_norm.value, c.rms_norm_eps);
  if (cache) {
    cache->x_final = x;
    cache->final_rstd = rstd;
    cache->h_final = h;
  }
  // Output head in FP32 (kept out of FP8 by the recipe).
  Tensor logits = empty_f32({T, int64_t(c.vocab_size)}, dev);
  gemm(logits, h, false, c.tie_word_embeddings ? w_.embed.value : w_.lm_head.value, true);
  return logits;
}

RoutingConfig routing_config(const ModelConfig& cfg) {
  RoutingConfig r;
  r.top_k = cfg.num_experts_per_tok;
  r.scoring = cfg.scoring_func == "sigmoid" ? RouterScoring::Sigmoid : RouterScoring::Softmax;
  r.normalize = cfg.norm_topk_prob;
  r.scaling = cfg.routed_scaling_factor;
  return r;
}

std::vector<std::vector<float>> sequence_logprobs(Transformer& model, const Batch& batch, Precision precision) {
  const Tensor logits = model.forward(batch, precision);
  const int64_t T = batch.n_tokens();
  // Target of position t is token t+1 of the same sequence; the last position of each sequence
  // has none (its slot is computed against token 0 and dropped).
  Tensor targets = Tensor::empty({T}, DType::I32);
  const Tensor tokens = batch.tokens.to(Device::CPU);
  const int32_t* tok = tokens.data<int32_t>();
  int32_t* tgt = targets.data<int32_t>();
  for (int64_t t = 0; t < T; ++t) tgt[t] = t + 1 < T ? tok[t + 1] : 0;
  Tensor logp = empty_f32({T}, logits.device()), lse = empty_f32({T}, logits.device());
  log_softmax_gather(logp, lse, logits, targets.to(logits.device()));
  logp = logp.to(Device::CPU);
  std::vector<std::vector<float>> out;
  const float* lp = logp.data<float>();
  for (size_t s = 0; s + 1 < batch.seq_offsets.size(); ++s) {
    const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
    out.emplace_back(lp + t0, lp + t1 - 1);
  }
  return out;
}

}  // namespace rlvr::model
