// Causal grouped-query attention core (softmax(q k^T * scale) v), forward and backward.
// Query head h reads key/value head h / (n_heads / n_kv_heads). Key j is visible to query i
// when j <= q_offset + i: prefill has q_offset = 0 and S = T; decode with a KV cache has
// q_offset = S - T. Requires 0 <= q_offset and q_offset + T <= S.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace rlvr {

// out [T, Hq*D]; lse [Hq, T] (log-sum-exp of the scaled scores, cached for backward);
// q [T, Hq*D]; k, v [S, Hkv*D].
void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset);
// dq [T, Hq*D], dk, dv [S, Hkv*D] (all overwritten); dout, out [T, Hq*D]; lse [Hq, T].
void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset);

}  // namespace rlvr
