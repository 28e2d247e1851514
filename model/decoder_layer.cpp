// A decoder layer's forward, backward and cached pass (see decoder_layer.h).
#include "model/decoder_layer.h"

#include "kernels/ops.h"
#include "model/layer_helpers.h"

namespace rlvr::model {

using detail::empty_f32;
using detail::grad_of;

namespace {

// out, rstd [T, C], [T] (allocated) = RMSNorm of x.
void norm(Tensor& out, Tensor& rstd, const Tensor& x, const Param& w, const ModelConfig& cfg) {
  out = empty_f32(x.shape(), x.device());
  rstd = empty_f32({x.dim(0)}, x.device());
  rmsnorm_forward(out, rstd, x, w.value, cfg.rms_norm_eps);
}

// The MLP or MoE block of the layer: y [T, C] (allocated) from h [T, C].
void feed_forward(Tensor& y, const Tensor& h, const LayerWeights& w, const ModelConfig& cfg, const Gemms& gemms,
                  RoutedExperts& routed, LayerCache* cache, std::vector<int64_t>* load, LayerRoutes* routes) {
  if (w.is_moe)
    moe_forward(y, h, w.moe, cfg, gemms, routed, cache ? &cache->moe : nullptr, load, routes);
  else
    mlp_forward(y, h, w.mlp, gemms, cache ? &cache->mlp : nullptr);
}

// The attention block of the layer: y [T, C] (allocated) from h [T, C].
void self_attention(Tensor& y, const Tensor& h, const LayerWeights& w, const ModelConfig& cfg, const Batch& batch,
                    const Gemms& gemms, LayerCache* cache) {
  if (cfg.uses_mla())
    mla_forward(y, h, w.mla, cfg, batch, gemms, cache ? &cache->mla : nullptr);
  else
    attention_forward(y, h, w.attn, cfg, batch, gemms, cache ? &cache->attn : nullptr);
}

}  // namespace

size_t LayerCache::cached_bytes() const {
  size_t n = attn.cached_bytes() + mla.cached_bytes() + mlp.cached_bytes() + moe.cached_bytes();
  for (const Tensor* t : {&x_in, &rstd1, &x_mid, &rstd2}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

void layer_forward(Tensor& x, const LayerWeights& w, const ModelConfig& cfg, const Batch& batch, const Gemms& gemms,
                   RoutedExperts& routed, LayerCache* cache, std::vector<int64_t>* load, LayerRoutes* routes) {
  Tensor h, rstd1, o;
  norm(h, rstd1, x, w.input_norm, cfg);
  self_attention(o, h, w, cfg, batch, gemms, cache);
  Tensor x_mid = x.clone();
  add_inplace(x_mid, o);
  Tensor rstd2, y;
  norm(h, rstd2, x_mid, w.post_attn_norm, cfg);
  feed_forward(y, h, w, cfg, gemms, routed, cache, load, routes);
  if (cache) cache->x_in = x, cache->rstd1 = rstd1, cache->x_mid = x_mid, cache->rstd2 = rstd2;
  x = x_mid.clone();
  add_inplace(x, y);
}

void layer_backward(Tensor& dx, LayerWeights& w, const ModelConfig& cfg, const Batch& batch, LayerCache& c) {
  const Device dev = dx.device();
  // x_out = x_mid + f(norm(x_mid)).
  Tensor dh2;
  if (w.is_moe)
    moe_backward(dh2, dx, w.moe, cfg, c.moe);
  else
    mlp_backward(dh2, dx, w.mlp, c.mlp);
  Tensor dx_mid = empty_f32(dx.shape(), dev);
  rmsnorm_backward(dx_mid, grad_of(w.post_attn_norm), dh2, c.x_mid, w.post_attn_norm.value, c.rstd2);
  add_inplace(dx_mid, dx);
  // x_mid = x_in + attention(norm(x_in)).
  Tensor dh1;
  if (cfg.uses_mla())
    mla_backward(dh1, dx_mid, w.mla, cfg, batch, c.mla);
  else
    attention_backward(dh1, dx_mid, w.attn, cfg, batch, c.attn);
  Tensor dx_in = empty_f32(dx.shape(), dev);
  rmsnorm_backward(dx_in, grad_of(w.input_norm), dh1, c.x_in, w.input_norm.value, c.rstd1);
  add_inplace(dx_in, dx_mid);
  dx = dx_in;
}

void layer_decode(Tensor& x, const LayerWeights& w, const ModelConfig& cfg, int layer, const KvAppend& at,
                  KvCache& kv, const Gemms& gemms, LayerRoutes* routes) {
  Tensor h, rstd, o, y;
  norm(h, rstd, x, w.input_norm, cfg);
  if (cfg.uses_mla())
    mla_decode(o, h, w.mla, cfg, layer, at, kv, gemms);
  else
    attention_decode(o, h, w.attn, cfg, layer, at, kv, gemms);
  add_inplace(x, o);
  norm(h, rstd, x, w.post_attn_norm, cfg);
  feed_forward(y, h, w, cfg, gemms, local_experts(), nullptr, nullptr, routes);
  add_inplace(x, y);
}

}  // namespace rlvr::model
