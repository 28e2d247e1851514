// CUDA embedding lookup and its scatter-add gradient.
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

// One block per token: out[t, :] = table[tokens[t], :]; a token outside [0, V) is reported.
__global__ void embedding_forward_kernel(float* out, const int32_t* tokens, const float* table, int64_t V,
                                         int64_t C, unsigned long long* bad) {
  const int64_t t = blockIdx.x;
  const int32_t tok = tokens[t];
  if (tok < 0 || tok >= V) {
    if (threadIdx.x == 0) report_bad_index(bad, t);
    return;
  }
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) out[t * C + c] = table[int64_t(tok) * C + c];
}

__global__ void check_tokens_kernel(const int32_t* tokens, int64_t T, int64_t V, unsigned long long* bad) {
  const int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t < T && (tokens[t] < 0 || tokens[t] >= V)) report_bad_index(bad, t);
}

// One block per token, atomics into the table rows; a bad token (reported by check_tokens_kernel,
// read later under deferred checks) writes nothing.
// NOTE: the float atomics make the summation order of repeated tokens run-dependent (the CPU
// adds in token order); the difference is rounding only.
__global__ void embedding_backward_kernel(float* dtable, const float* dout, const int32_t* tokens, int64_t V,
                                          int64_t C) {
  const int64_t t = blockIdx.x;
  const int32_t tok = tokens[t];
  if (tok < 0 || tok >= V) return;
  float* dst = dtable + int64_t(tok) * C;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) atomicAdd(dst + c, dout[t * C + c]);
}

// Throws, for a reported token index t, the CPU's message.
std::function<void(int64_t)> bad_token(const char* op, const Tensor& tokens, int64_t V) {
  return [op, tokens, V](int64_t t) {
    RLVR_FAIL("kernels", "bad token", op, ": tokens[", t, "] = ", read_device_element(tokens.data<int32_t>(), t),
              " is outside the table's [0, ", V, ")");
  };
}

}  // namespace

void embedding_forward(Tensor& out, const Tensor& tokens, const Tensor& table) {
  const int64_t T = tokens.dim(0), V = table.dim(0), C = table.dim(1);
  if (T == 0) return;
  BadIndexReport bad;
  embedding_forward_kernel<<<unsigned(T), 128>>>(out.data<float>(), tokens.data<int32_t>(), table.data<float>(), V, C,
                                                 bad.slot());
  check_launch();
  bad.check(bad_token("embedding_forward", tokens, V));
}

void embedding_backward(Tensor& dtable, const Tensor& dout, const Tensor& tokens) {
  const int64_t T = tokens.dim(0), V = dtable.dim(0), C = dtable.dim(1);
  if (T == 0) return;
  BadIndexReport bad;  // every token checked before any write, as on the CPU (unless the check is deferred)
  check_tokens_kernel<<<blocks_for(T, 256), 256>>>(tokens.data<int32_t>(), T, V, bad.slot());
  check_launch();
  bad.check(bad_token("embedding_backward", tokens, V));
  embedding_backward_kernel<<<unsigned(T), 128>>>(dtable.data<float>(), dout.data<float>(), tokens.data<int32_t>(), V,
                                                  C);
  check_launch();
}

}  // namespace rlvr::cuda
