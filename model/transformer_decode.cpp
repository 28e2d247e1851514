// The incremental (KV-cached) forward used by generation: prefill a prompt, then one token per
// sequence per step. Same math as Transformer::forward (tests/model/test_kv_cache.cpp), without
// the activation cache; decode steps run the decode GEMMs on weights at their stored width (on
// the CPU; on CUDA every pass runs the batch GEMMs, cuBLASLt's).
#include <set>

#include "kernels/index_checks.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"
#include "model/transformer.h"

namespace rlvr::model {

using detail::empty_f32;

Tensor Transformer::forward_cached(const Batch& host_batch, const std::vector<int>& slots, KvCache& kv,
                                   Precision precision, CachedPass pass, bool all_logits, Tensor* routes) {
  RLVR_CHECK(!gather_, "model", "forward_cached: the parameters are held in shards; decode on a whole copy");
  const ModelConfig& c = cfg_;
  const Device dev = device();
  detail::check_tokens(host_batch, c.vocab_size);  // before the copy: a CPU batch is read in place
  const Batch batch = host_batch.to(dev);
  const int64_t T = batch.n_tokens(), C = c.hidden_size;
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
  const Gemms gemms(precision, pass == CachedPass::Decode && dev == Device::CPU);
  const KvAppend at{slots, start, batch.seq_offsets, positions};

  DeferredIndexChecks index_checks;  // one device synchronization for the pass, at its end
  Tensor x = empty_f32({T, C}, dev);
  embedding_forward(x, batch.tokens, w_.embed.value);
  if (routes) *routes = Tensor::empty({c.n_moe_layers(), T, c.num_experts_per_tok}, DType::I32, dev);
  for (int l = 0, m = 0; l < c.num_hidden_layers; ++l) {
    LayerRoutes lr;
    if (routes && c.is_moe_layer(l)) lr.record = detail::moe_layer_rows(*routes, m++);
    layer_decode(x, w_.layers[size_t(l)], c, l, at, kv, gemms, &lr);
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
  Tensor logits = empty_f32({last.dim(0), int64_t(output_vocab())}, dev);
  gemms.fp32(logits, hf, head_rows());  // head kept in FP32
  index_checks.check();
  return logits;
}

}  // namespace rlvr::model
