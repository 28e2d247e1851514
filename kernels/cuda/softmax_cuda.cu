// CUDA softmax, log-softmax with target gather (and its backward) and softmax entropy: one
// block per row, so a 150k-token vocabulary row is read by 512 threads at once.
#include <cmath>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

constexpr int kThreads = 512;

__device__ float row_max(const float* row, int64_t V, float* scratch) {
  float m = -INFINITY;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) m = fmaxf(m, row[v]);
  return block_reduce(m, scratch, MaxOp{});
}

__device__ float row_sum_exp(const float* row, int64_t V, float shift, float* scratch) {
  float s = 0.0f;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) s += expf(row[v] - shift);
  return block_reduce(s, scratch, SumOp{});
}

// log sum exp of a row; -inf for an all -inf row (as the CPU).
__device__ float row_lse(const float* row, int64_t V, float* scratch) {
  const float m = row_max(row, V, scratch);
  if (m == -INFINITY) return -INFINITY;
  return m + logf(row_sum_exp(row, V, m, scratch));
}

__global__ void softmax_kernel(float* out, const float* x, int64_t C) {
  __shared__ float scratch[32];
  const float* row = x + int64_t(blockIdx.x) * C;
  float* o = out + int64_t(blockIdx.x) * C;
  const float m = row_max(row, C, scratch);
  const float inv = 1.0f / row_sum_exp(row, C, m, scratch);
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) o[c] = expf(row[c] - m) * inv;
}

__global__ void log_softmax_gather_kernel(float* logp, float* lse, const float* logits, const int32_t* targets,
                                          int64_t V, unsigned long long* bad) {
  __shared__ float scratch[32];
  const int64_t t = blockIdx.x;
  const int32_t tgt = targets[t];
  if (tgt < 0 || tgt >= V) {
    if (threadIdx.x == 0) report_bad_index(bad, t);
    return;
  }
  const float* row = logits + t * V;
  const float l = row_lse(row, V, scratch);
  if (threadIdx.x == 0) {
    lse[t] = l;
    logp[t] = row[tgt] - l;
  }
}

__global__ void log_softmax_gather_backward_kernel(float* dlogits, const float* dlogp, const float* logits,
                                                   const float* lse, const int32_t* targets, int64_t V,
                                                   unsigned long long* bad) {
  const int64_t t = blockIdx.x;
  const int32_t tgt = targets[t];
  if (tgt < 0 || tgt >= V) {
    if (threadIdx.x == 0) report_bad_index(bad, t);
    return;
  }
  const float g = dlogp[t], shift = lse[t];
  const float* row = logits + t * V;
  float* d = dlogits + t * V;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) d[v] = -g * expf(row[v] - shift) + (v == tgt ? g : 0.0f);
}

// H = -sum_v p_v (logit_v - lse); p = 0 contributes nothing.
__global__ void softmax_entropy_kernel(float* ent, const float* logits, const float* lse, int64_t V) {
  __shared__ float scratch[32];
  const int64_t t = blockIdx.x;
  const float* row = logits + t * V;
  const float shift = lse[t];
  float s = 0.0f;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) {
    const float z = row[v] - shift, p = expf(z);
    s += p > 0.0f ? p * z : 0.0f;
  }
  s = block_reduce(s, scratch, SumOp{});
  if (threadIdx.x == 0) ent[t] = -s;
}

// Throws, for a reported target index t, the CPU's message.
std::function<void(int64_t)> bad_target(const char* op, const Tensor& targets, int64_t V) {
  return [op, targets, V](int64_t t) {
    RLVR_FAIL("kernels", "bad target", op, ": targets[", t, "] = ", read_device_element(targets.data<int32_t>(), t),
              " is outside [0, ", V, ")");
  };
}

}  // namespace

void softmax_forward(Tensor& out, const Tensor& x) {
  const int64_t N = x.dim(0), C = x.dim(1);
  if (N == 0 || C == 0) return;
  softmax_kernel<<<unsigned(N), kThreads>>>(out.data<float>(), x.data<float>(), C);
  check_launch();
}

void log_softmax_gather(Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  if (T == 0) return;
  BadIndexReport bad;
  log_softmax_gather_kernel<<<unsigned(T), kThreads>>>(logp.data<float>(), lse.data<float>(), logits.data<float>(),
                                                       targets.data<int32_t>(), V, bad.slot());
  check_launch();
  bad.check(bad_target("log_softmax_gather", targets, V));
}

void log_softmax_gather_backward(Tensor& dlogits, const Tensor& dlogp, const Tensor& logits, const Tensor& lse,
                                 const Tensor& targets) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  if (T == 0) return;
  BadIndexReport bad;
  log_softmax_gather_backward_kernel<<<unsigned(T), kThreads>>>(dlogits.data<float>(), dlogp.data<float>(),
                                                                logits.data<float>(), lse.data<float>(),
                                                                targets.data<int32_t>(), V, bad.slot());
  check_launch();
  bad.check(bad_target("log_softmax_gather_backward", targets, V));
}

void softmax_entropy(Tensor& ent, const Tensor& logits, const Tensor& lse) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  if (T == 0) return;
  softmax_entropy_kernel<<<unsigned(T), kThreads>>>(ent.data<float>(), logits.data<float>(), lse.data<float>(), V);
  check_launch();
}

}  // namespace rlvr::cuda
