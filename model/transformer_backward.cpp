// Backward pass of the MoE transformer: output head, final norm, the decoder layers in reverse,
// embedding, from the forward's cache.
#include "kernels/gemm.h"
#include "kernels/index_checks.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/transformer.h"

namespace rlvr::model {

using detail::empty_f32;
using detail::grad_of;

void Transformer::zero_grad() {
  for (ParamRef& p : params())
    if (p.grad->defined()) p.grad->zero_();
  if (gather_) gather_->zero_grads();
}

void Transformer::backward(const Tensor& dlogits, const Batch& host_or_device_batch, ForwardCache& cache) {
  const ModelConfig& c = cfg_;
  const Device dev = device();
  const Batch batch = host_or_device_batch.to(dev);
  const int64_t T = batch.n_tokens(), C = c.hidden_size;
  RLVR_CHECK(cache.layers.size() == size_t(c.num_hidden_layers) && cache.x_final.defined(), "model",
             "backward needs the cache of a forward over the same batch");
  check_shape("Transformer::backward", dlogits, "dlogits", {T, int64_t(output_vocab())});
  // Every trainable parameter has a gradient, zero if unused (those held in shards get theirs
  // when their unit is acquired).
  if (gather_) gather_->acquire(kOuterUnit, true);
  for (ParamRef& p : params())
    if (p.trainable && p.value->defined() && !p.grad->defined()) *p.grad = Tensor::zeros(p.value->shape(), DType::F32, dev);
  DeferredIndexChecks index_checks;  // one device synchronization for the pass, at its end
  // Output head and final norm.
  Param& head = c.tie_word_embeddings ? w_.embed : w_.lm_head;
  Tensor dhead = grad_of(head).slice_rows(0, output_vocab());
  gemm(dhead, dlogits, true, cache.h_final, false, /*accumulate=*/true);
  Tensor dh = empty_f32({T, C}, dev);
  gemm(dh, dlogits, false, head_rows(), false);
  Tensor dx = empty_f32({T, C}, dev);
  rmsnorm_backward(dx, grad_of(w_.final_norm), dh, cache.x_final, w_.final_norm.value, cache.final_rstd);
  for (int l = c.num_hidden_layers - 1; l >= 0; --l) {
    if (gather_) gather_->acquire(layer_unit(l), true);
    layer_backward(dx, w_.layers[size_t(l)], c, batch, cache.layers[size_t(l)]);
    if (gather_) gather_->release(layer_unit(l), true);
  }
  embedding_backward(grad_of(w_.embed), dx, batch.tokens);
  if (gather_) gather_->release(kOuterUnit, true);
  index_checks.check();
}

}  // namespace rlvr::model
