// Per-token log-probabilities of a packed batch under the model's logits, and their backward:
// the quantity every loss here is built from (SFT cross-entropy, GRPO's policy ratio).
#pragma once

#include "kernels/op_params.h"
#include "model/transformer.h"

namespace rlvr::model {

// Position t predicts token t+1 of the same sequence; a sequence's last position predicts
// nothing (its target is 0 and its log-prob must be ignored: see predicts_next).
Tensor next_token_targets(const Batch& batch);          // i32 [T]
bool predicts_next(const Batch& batch, int64_t t);
struct TokenLogprobs {
  Tensor logp;     // [T] log p(target_t | prefix)
  Tensor lse;      // [T] cached for backward
  Tensor targets;  // i32 [T]
};
TokenLogprobs token_logprobs(const Tensor& logits, const Batch& batch);
// logp [T] of the same targets under a sampler's distribution (logits / temperature restricted
// to the top-k / top-p support and renormalized, as kernels/ops_sampling.h draws them), on the
// logits' device: -inf for a target outside the support. No gradient.
Tensor sampling_logprobs(const Tensor& logits, const TokenLogprobs& lp, const SamplingParams& params);
// dlogits [T, V] from dlogp [T] (zero where nothing is predicted).
Tensor token_logprobs_backward(const Tensor& dlogp, const Tensor& logits, const TokenLogprobs& lp);

// log p(token_t | tokens_<t) for t = 1..len-1 of each sequence, in one host vector per sequence.
std::vector<std::vector<float>> sequence_logprobs(Transformer& model, const Batch& batch, Precision precision);

// Mean next-token cross-entropy over the positions where weight > 0 (weights [T], e.g. 1 on
// completion tokens and 0 on the prompt); fills dlogits when asked.
double cross_entropy(const Tensor& logits, const Batch& batch, const std::vector<float>& weights, Tensor* dlogits);

}  // namespace rlvr::model
