// Forward pass of the MoE transformer: embedding, the decoder layers, final norm, output head.
#include "model/transformer.h"

#include "kernels/index_checks.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"

namespace rlvr::model {

using detail::empty_f32;

size_t ForwardCache::activation_bytes() const {
  size_t n = 0;
  for (const LayerCache& l : layers) n += l.cached_bytes();
  for (const Tensor* t : {&x_final, &final_rstd}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

Transformer::Transformer(ModelConfig cfg, ExpertRange experts)
    : cfg_(std::move(cfg)), w_(allocate_weights(cfg_, experts)) {}

Transformer::Transformer(ModelConfig cfg, ModelWeights weights) : cfg_(std::move(cfg)), w_(std::move(weights)) {
  if (w_.embed.value.defined()) device_ = w_.embed.value.device();
  RLVR_CHECK(w_.layers.size() == size_t(cfg_.num_hidden_layers), "model", "weights of ", w_.layers.size(),
             " layers for a model of ", cfg_.num_hidden_layers);
}

// The embedding of a model held in shards may be released between passes.
Device Transformer::device() const { return w_.embed.value.defined() ? w_.embed.value.device() : device_; }

void Transformer::limit_output_vocab(int n) {
  RLVR_CHECK(n > 0 && n <= cfg_.vocab_size, "model", "output vocabulary of ", n, " tokens for a model of vocab_size ",
             cfg_.vocab_size);
  output_vocab_ = n;
}

Tensor Transformer::head_rows() const {
  const Tensor& head = cfg_.tie_word_embeddings ? w_.embed.value : w_.lm_head.value;
  return output_vocab() == cfg_.vocab_size ? head : head.slice_rows(0, output_vocab());
}

void Transformer::to(Device device) {
  RLVR_CHECK(!gather_, "model", "a model whose parameters are held in shards cannot move to another device");
  device_ = device;
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
  const int64_t T = batch.n_tokens(), C = c.hidden_size;
  RLVR_CHECK(T > 0, "model", "forward: empty batch");
  DeferredIndexChecks index_checks;  // one device synchronization for the pass, at its end
  if (cache) cache->layers.assign(size_t(c.num_hidden_layers), LayerCache{});
  if (stats) stats->load.assign(size_t(c.num_hidden_layers), {});

  // Router replay: one match/record counter for the pass, read once at its end.
  const bool replay_io = batch.routes.defined();
  const Shape routes_shape{c.n_moe_layers(), T, c.num_experts_per_tok};
  if (replay_io)
    RLVR_CHECK(batch.routes.dtype() == DType::I32 && batch.routes.shape() == routes_shape, "model",
               "forward: Batch::routes is ", batch.routes.describe(), ", expected i32", shape_str(routes_shape));
  const Tensor route_counts = replay_io ? Tensor::zeros({2}, DType::I32, dev) : Tensor();

  // Parameters held in shards: the outer unit stays whole until backward ends (or, without a
  // cache, until the logits are made); each layer's only around its block.
  if (gather_) gather_->acquire(kOuterUnit, false);
  Tensor x = empty_f32({T, C}, dev);
  embedding_forward(x, batch.tokens, w_.embed.value);
  for (int l = 0, m = 0; l < c.num_hidden_layers; ++l) {
    LayerRoutes lr;
    if (replay_io && c.is_moe_layer(l))
      lr = {detail::moe_layer_rows(batch.routes, m++), batch.replay_routes, route_counts, Tensor()};
    if (gather_) gather_->acquire(layer_unit(l), false);
    layer_forward(x, w_.layers[size_t(l)], c, batch, precision, routed ? *routed : local_experts(),
                  cache ? &cache->layers[size_t(l)] : nullptr, stats ? &stats->load[size_t(l)] : nullptr, &lr);
    if (gather_) gather_->release(layer_unit(l), false);
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
  Tensor logits = empty_f32({T, int64_t(output_vocab())}, dev);
  Gemms(precision).fp32(logits, h, head_rows());
  if (gather_ && !cache) gather_->release(kOuterUnit, false);
  index_checks.check();
  if (stats && replay_io) {
    const Tensor n = route_counts.to(Device::CPU);
    stats->route_matches = n.data<int32_t>()[0];
    stats->route_records = n.data<int32_t>()[1];
  }
  return logits;
}

}  // namespace rlvr::model
