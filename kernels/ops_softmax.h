// Softmax over the last dimension, log-softmax with a target gather (token log-probabilities)
// and its backward, and the per-row entropy of the softmax.
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// out, x [N,C].
void softmax_forward(Tensor& out, const Tensor& x);
// logp[t] = log softmax(logits[t])[targets[t]]; lse[t] = log sum_v exp(logits[t,v]) (cached).
// logp, lse [T]; logits [T,V]; targets i32 [T], each in [0, V).
void log_softmax_gather(Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets);
// dlogits[t,v] = dlogp[t] * (1[v == targets[t]] - exp(logits[t,v] - lse[t])). dlogits [T,V]
// (overwritten); dlogp, lse [T]; logits [T,V]; targets i32 [T].
void log_softmax_gather_backward(Tensor& dlogits, const Tensor& dlogp, const Tensor& logits,
                                 const Tensor& lse, const Tensor& targets);
// ent[t] = -sum_v p[t,v] log p[t,v], p = softmax(logits[t]). ent, lse [T]; logits [T,V].
void softmax_entropy(Tensor& ent, const Tensor& logits, const Tensor& lse);

}  // namespace rlvr
