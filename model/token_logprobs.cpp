// Next-token log-probabilities and cross-entropy over packed sequences.
#include "model/token_logprobs.h"

#include <algorithm>

#include "kernels/ops.h"

namespace rlvr::model {

bool predicts_next(const Batch& batch, int64_t t) {
  return std::find(batch.seq_offsets.begin() + 1, batch.seq_offsets.end(), t + 1) == batch.seq_offsets.end();
}

Tensor next_token_targets(const Batch& batch) {
  const int64_t T = batch.n_tokens();
  Tensor targets = Tensor::empty({T}, DType::I32);
  const Tensor tokens = batch.tokens.to(Device::CPU);
  const int32_t* tok = tokens.data<int32_t>();
  int32_t* tgt = targets.data<int32_t>();
  for (int64_t t = 0; t < T; ++t) tgt[t] = 0;
  for (size_t s = 0; s + 1 < batch.seq_offsets.size(); ++s)
    for (int64_t t = batch.seq_offsets[s]; t + 1 < batch.seq_offsets[s + 1]; ++t) tgt[t] = tok[t + 1];
  return targets;
}

TokenLogprobs token_logprobs(const Tensor& logits, const Batch& batch) {
  const int64_t T = batch.n_tokens();
  const Device dev = logits.device();
  TokenLogprobs lp{Tensor::empty({T}, DType::F32, dev), Tensor::empty({T}, DType::F32, dev),
                   next_token_targets(batch).to(dev)};
  log_softmax_gather(lp.logp, lp.lse, logits, lp.targets);
  return lp;
}

std::vector<std::vector<float>> sequence_logprobs(Transformer& model, const Batch& batch, Precision precision) {
  const Tensor logp = token_logprobs(model.forward(batch, precision), batch).logp.to(Device::CPU);
  std::vector<std::vector<float>> out;
  const float* lp = logp.data<float>();
  for (size_t s = 0; s < batch.n_sequences(); ++s) out.emplace_back(lp + batch.seq_offsets[s], lp + batch.seq_offsets[s + 1] - 1);
  return out;
}

Tensor sampling_logprobs(const Tensor& logits, const TokenLogprobs& lp, const SamplingParams& params) {
  Tensor out = Tensor::empty({logits.dim(0)}, DType::F32, logits.device());
  rlvr::sampling_logprobs(out, logits, lp.targets, params);
  return out;
}

Tensor token_logprobs_backward(const Tensor& dlogp, const Tensor& logits, const TokenLogprobs& lp) {
  Tensor dlogits = Tensor::empty(logits.shape(), DType::F32, logits.device());
  log_softmax_gather_backward(dlogits, dlogp, logits, lp.lse, lp.targets);
  return dlogits;
}

double cross_entropy(const Tensor& logits, const Batch& batch, const std::vector<float>& weights, Tensor* dlogits) {
  const int64_t T = batch.n_tokens();
  RLVR_CHECK(int64_t(weights.size()) == T, "model", "cross_entropy: ", weights.size(), " weights for ", T, " tokens");
  const TokenLogprobs lp = token_logprobs(logits, batch);
  double total_w = 0;
  for (int64_t t = 0; t < T; ++t)
    if (predicts_next(batch, t)) total_w += weights[size_t(t)];
  if (total_w <= 0) {
    if (dlogits) *dlogits = Tensor::zeros(logits.shape(), DType::F32, logits.device());
    return 0.0;
  }
  double loss = 0;
  Tensor dlogp = Tensor::zeros({T}, DType::F32);
  const Tensor logp = lp.logp.to(Device::CPU);
  const float* l = logp.data<float>();
  float* d = dlogp.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    if (!predicts_next(batch, t) || weights[size_t(t)] == 0) continue;
    loss -= double(weights[size_t(t)]) * l[t];
    d[t] = float(-weights[size_t(t)] / total_w);
  }
  if (dlogits) *dlogits = token_logprobs_backward(dlogp.to(logits.device()), logits, lp);
  return loss / total_w;
}

}  // namespace rlvr::model
