// Backward pass of the MoE transformer, layer by layer in reverse, from the forward's cache.
#include <cmath>

#include "kernels/gemm.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/mlp.h"
#include "model/transformer.h"

namespace rlvr::model {

namespace {

using detail::empty_f32;

Tensor& grad_of(Param& p) {
  if (!p.grad.defined()) p.grad = Tensor::zeros(p.value.shape(), DType::F32, p.value.device());
  return p.grad;
}

void add_shared_experts_backward(Tensor& dh, const Tensor& dy, MoeWeights& w, MoeCache& c) {
  if (!w.has_shared) return;
  Tensor dhs;
  mlp_backward(dhs, dy, w.shared, c.shared);
  add_inplace(dh, dhs);
}

// dy [T, C] -> dh [T, C] (overwritten) through the MoE block of layer `layer`.
void moe_backward(Tensor& dh, const Tensor& dy, MoeWeights& w, MoeCache& c, const ModelConfig& cfg, int layer) {
  if (c.routed) {
    c.routed->backward(layer, dh, dy, w);
    add_shared_experts_backward(dh, dy, w, c);
    return;
  }
  const int64_t T = dy.dim(0), C = dy.dim(1), E = cfg.num_experts, K = cfg.num_experts_per_tok;
  const int64_t R = c.perm.n_rows();
  const Device dev = dy.device();
  Tensor dcombined = empty_f32({R, C}, dev), dgates = empty_f32({T, K}, dev);
  unpermute_combine_backward(dcombined, dgates, dy, c.combined_out, c.gates, c.perm);
  Tensor dxp = Tensor::zeros({R, C}, DType::F32, dev);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = c.perm.offsets[size_t(e)], r1 = c.perm.offsets[size_t(e) + 1];
    if (r1 == r0) continue;
    Tensor dxe;
    mlp_backward(dxe, dcombined.slice_rows(r0, r1), w.experts[size_t(e)], c.experts[size_t(e)]);
    dxp.slice_rows(r0, r1).copy_(dxe);
  }
  dh = Tensor::zeros({T, C}, DType::F32, dev);
  permute_rows_backward(dh, dxp, c.perm);
  // Router (FP32): logits = h · router^T.
  Tensor dlogits = empty_f32({T, E}, dev);
  topk_route_backward(dlogits, dgates, c.expert_ids, c.scores, routing_config(cfg));
  gemm(grad_of(w.router), dlogits, true, c.h, false, /*accumulate=*/true);
  gemm(dh, dlogits, false, w.router.value, false, /*accumulate=*/true);
  add_shared_experts_backward(dh, dy, w, c);
}

// Backward of Qwen3's per-head RMSNorm: dy [T, H*D] -> dx [T, H*D].
Tensor head_rmsnorm_backward(const Tensor& dy, const Tensor& x_raw, Param& w, const Tensor& rstd, int head_dim) {
  const Shape rows{x_raw.numel() / head_dim, head_dim};
  Tensor dx = empty_f32(rows, dy.device());
  rmsnorm_backward(dx, grad_of(w), dy.reshape(rows), x_raw.reshape(rows), w.value, rstd);
  return dx.reshape(x_raw.shape());
}

}  // namespace

void Transformer::zero_grad() {
  for (ParamRef& p : params())
    if (p.grad->defined()) p.grad->zero_();
}

void Transformer::backward(const Tensor& dlogits, const Batch& host_or_device_batch, ForwardCache& cache) {
  const ModelConfig& c = cfg_;
  const Device dev = device();
  const Batch batch = host_or_device_batch.to(dev);
  const int64_t T = batch.n_tokens(), C = c.hidden_size, D = c.head_dim;
  RLVR_CHECK(cache.layers.size() == size_t(c.num_hidden_layers) && cache.x_final.defined(), "model",
             "backward needs the cache of a forward over the same batch");
  check_shape("Transformer::backward", dlogits, "dlogits", {T, int64_t(c.vocab_size)});
  for (ParamRef& p : params())  // every trainable parameter has a gradient, zero if unused
    if (p.trainable && !p.grad->defined()) *p.grad = Tensor::zeros(p.value->shape(), DType::F32, dev);
  // Output head and final norm.
  Param& head = c.tie_word_embeddings ? w_.embed : w_.lm_head;
  gemm(grad_of(head), dlogits, true, cache.h_final, false, /*accumulate=*/true);
  Tensor dh = empty_f32({T, C}, dev);
  gemm(dh, dlogits, false, head.value, false);
  Tensor dx = empty_f32({T, C}, dev);
  rmsnorm_backward(dx, grad_of(w_.final_norm), dh, cache.x_final, w_.final_norm.value, cache.final_rstd);

  const float scale = 1.0f / std::sqrt(float(D));
  for (int l = c.num_hidden_layers - 1; l >= 0; --l) {
    LayerWeights& L = w_.layers[size_t(l)];
    LayerCache& lc = cache.layers[size_t(l)];
    // MLP / MoE block: x_out = x_mid + f(norm(x_mid)).
    Tensor dh2;
    if (L.is_moe) moe_backward(dh2, dx, L.moe, lc.moe, c, l);
    else mlp_backward(dh2, dx, L.mlp, lc.mlp);
    Tensor dx_mid = empty_f32({T, C}, dev);
    rmsnorm_backward(dx_mid, grad_of(L.post_attn_norm), dh2, lc.x_mid, L.post_attn_norm.value, lc.rstd2);
    add_inplace(dx_mid, dx);
    // Attention block: x_mid = x_in + o(attn(rope(norm(q)), rope(norm(k)), v)).
    Tensor dattn;
    linear_backward(&dattn, dx_mid, L.attn.o, lc.o_proj);
    Tensor dq = empty_f32(lc.q.shape(), dev), dk = empty_f32(lc.k.shape(), dev), dv = empty_f32(lc.v.shape(), dev);
    for (size_t s = 0; s + 1 < batch.seq_offsets.size(); ++s) {
      const int64_t t0 = batch.seq_offsets[s], t1 = batch.seq_offsets[s + 1];
      Tensor dqs = dq.slice_rows(t0, t1), dks = dk.slice_rows(t0, t1), dvs = dv.slice_rows(t0, t1);
      const Tensor lse = lc.lse.slice_rows(t0 * c.num_attention_heads, t1 * c.num_attention_heads)
                             .reshape({c.num_attention_heads, t1 - t0});
      attention_backward(dqs, dks, dvs, dattn.slice_rows(t0, t1), lc.attn_out.slice_rows(t0, t1), lse,
                         lc.q.slice_rows(t0, t1), lc.k.slice_rows(t0, t1), lc.v.slice_rows(t0, t1),
                         c.num_attention_heads, c.num_key_value_heads, scale, 0);
    }
    rope_backward(dq, batch.positions, int(D), c.rope_theta);
    rope_backward(dk, batch.positions, int(D), c.rope_theta);
    const Tensor dq_raw = head_rmsnorm_backward(dq, lc.q_raw, L.attn.q_norm, lc.q_rstd, int(D));
    const Tensor dk_raw = head_rmsnorm_backward(dk, lc.k_raw, L.attn.k_norm, lc.k_rstd, int(D));
    Tensor dh1, dh1_k, dh1_v;
    linear_backward(&dh1, dq_raw, L.attn.q, lc.q_proj);
    linear_backward(&dh1_k, dk_raw, L.attn.k, lc.k_proj);
    linear_backward(&dh1_v, dv, L.attn.v, lc.v_proj);
    add_inplace(dh1, dh1_k);
    add_inplace(dh1, dh1_v);
    Tensor dx_in = empty_f32({T, C}, dev);
    rmsnorm_backward(dx_in, grad_of(L.input_norm), dh1, lc.x_in, L.input_norm.value, lc.rstd1);
    add_inplace(dx_in, dx_mid);
    dx = dx_in;
  }
  embedding_backward(grad_of(w_.embed), dx, batch.tokens);
}

}  // namespace rlvr::model
