// Token sampling that is reproducible independently of batching: row b draws its uniform from
// Philox 4x32-10 keyed by (seed, streams[b], counters[b]), so the same triple gives the same
// token whatever else is in the batch. Order of filters: temperature, top-k, then top-p.
// SamplingParams is in kernels/op_params.h.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/op_params.h"

namespace rlvr {

// tokens i32 [B]; logprobs [B] = log softmax(logits / temperature)[token] over the full
// (unfiltered) distribution (greedy: the logprob of the argmax at temperature 1); logits [B,V];
// streams, counters: B values each. Non-finite logits are impossible tokens; a row with no
// finite logit gets token -1 and logprob NaN (the caller stops that sequence).
void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters);

// logprobs [B] = log p(targets[b]) under the distribution sample_tokens draws row b from:
// softmax(logits / temperature) restricted to the top-k / top-p support and renormalized
// (greedy: as sample_tokens reports it), -inf for a token outside the support,
// NaN for a row with no finite logit or a target outside [0, V). targets i32 [B]. A learner
// recomputing the rollout's sampling log-probs uses it (importance weights at any temperature,
// top-k and top-p).
void sampling_logprobs(Tensor& logprobs, const Tensor& logits, const Tensor& targets, const SamplingParams& params);

}  // namespace rlvr
