// CPU softmax, log-softmax with target gather (and its backward) and softmax entropy, row by row.
#include <cmath>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"

namespace rlvr::cpu {
namespace {

int64_t checked_target(const char* op, const int32_t* targets, int64_t t, int64_t V) {
  const int32_t tgt = targets[t];
  RLVR_CHECK(tgt >= 0 && tgt < V, "kernels", op, ": targets[", t, "] = ", tgt, " is outside [0, ", V, ")");
  return tgt;
}

}  // namespace

void softmax_forward(Tensor& out, const Tensor& x) {
  const int64_t N = x.dim(0), C = x.dim(1);
  const float* xp = x.data<float>();
  float* o = out.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = xp + n * C;
    float* orow = o + n * C;
    const float m = row_max(xr, C);
    float sum = 0.0f;
    for (int64_t c = 0; c < C; ++c) {
      orow[c] = exp_fast(xr[c] - m);
      sum += orow[c];
    }
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c < C; ++c) orow[c] *= inv;
  }
}

void log_softmax_gather(Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  const int32_t* tg = targets.data<int32_t>();
  float* lp = logp.data<float>();
  float* ls = lse.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    const int64_t tgt = checked_target("log_softmax_gather", tg, t, V);
    ls[t] = log_sum_exp(lg + t * V, V);
    lp[t] = lg[t * V + tgt] - ls[t];
  }
}

void log_softmax_gather_backward(Tensor& dlogits, const Tensor& dlogp, const Tensor& logits,
                                 const Tensor& lse, const Tensor& targets) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  const float* dl = dlogp.data<float>();
  const float* ls = lse.data<float>();
  const int32_t* tg = targets.data<int32_t>();
  float* d = dlogits.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    const int64_t tgt = checked_target("log_softmax_gather_backward", tg, t, V);
    const float* row = lg + t * V;
    float* drow = d + t * V;
    const float g = dl[t], shift = ls[t];
    for (int64_t v = 0; v < V; ++v) drow[v] = -g * exp_fast(row[v] - shift);
    drow[tgt] += g;
  }
}

// H = lse - sum_v p_v * logit_v; tokens with p = 0 (logit -inf) contribute nothing.
void softmax_entropy(Tensor& ent, const Tensor& logits, const Tensor& lse) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  const float* ls = lse.data<float>();
  float* e = ent.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    const float* row = lg + t * V;
    float acc[8] = {};
    int64_t v = 0;
    for (; v + 8 <= V; v += 8)
      for (int j = 0; j < 8; ++j) {
        const float p = exp_fast(row[v + j] - ls[t]);
        acc[j] += p > 0.0f ? p * (row[v + j] - ls[t]) : 0.0f;
      }
    float s = 0.0f;
    for (; v < V; ++v) {
      const float p = exp_fast(row[v] - ls[t]);
      s += p > 0.0f ? p * (row[v] - ls[t]) : 0.0f;
    }
    for (int j = 0; j < 8; ++j) s += acc[j];
    e[t] = -s;
  }
}

}  // namespace rlvr::cpu
