// Causal grouped-query attention core (softmax(q k^T * scale) v), forward and backward.
// Query head h reads key/value head h / (n_heads / n_kv_heads). Key j is visible to query i
// when j <= q_offset + i: prefill has q_offset = 0 and S = T; decode with a KV cache has
// q_offset = S - T. Requires 0 <= q_offset and q_offset + T <= S.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr {

// out [T, Hq*D]; lse [Hq, T] (log-sum-exp of the scaled scores, cached for backward);
// q [T, Hq*D]; k, v [S, Hkv*D].
void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset);
// One sequence of attention_forward_sequences: queries q [T, Hq*D] against its own keys and
// values k, v [S, Hkv*D] (a KV cache's rows), the queries at positions S - T .. S - 1; out [T, Hq*D].
struct AttentionSequence {
  Tensor out, q, k, v;
};
// attention_forward for each sequence (q_offset = S - T, the log-sum-exp not kept): the same bits
// as one call per sequence. The CPU runs the sequences on its threads (decode: one query each).
void attention_forward_sequences(std::vector<AttentionSequence>& seqs, int n_heads, int n_kv_heads, float scale);
// dq [T, Hq*D], dk, dv [S, Hkv*D] (all overwritten); dout, out [T, Hq*D]; lse [Hq, T].
void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset);

}  // namespace rlvr
