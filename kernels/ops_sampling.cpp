// Sampling op: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_sampling.h"

#include <cmath>

#include "kernels/ops_dispatch.h"

namespace rlvr {

namespace {

// logits f32 [B, V]; logprobs f32 [B] and a token per row (tokens: i32 [B]); the parameters.
// Returns B.
int64_t check_rows(const char* op, const Tensor& logprobs, const Tensor& logits, const Tensor& tokens,
                   const char* tokens_name, const SamplingParams& params) {
  check_ndim(op, logits, "logits", 2);
  const int64_t B = logits.dim(0);
  check_dtype(op, logits, "logits", DType::F32);
  check_dtype(op, logprobs, "logprobs", DType::F32);
  check_dtype(op, tokens, tokens_name, DType::I32);
  check_shape(op, tokens, tokens_name, {B});
  check_shape(op, logprobs, "logprobs", {B});
  RLVR_CHECK(std::isfinite(params.temperature) && params.temperature >= 0.0f, "kernels", op,
             ": temperature is ", params.temperature, ", expected a finite value >= 0");
  RLVR_CHECK(params.top_k >= 0, "kernels", op, ": top_k is ", params.top_k, ", expected >= 0 (0 = off)");
  RLVR_CHECK(params.top_p > 0.0f && params.top_p <= 1.0f, "kernels", op, ": top_p is ", params.top_p,
             ", expected in (0, 1]");
  return B;
}

}  // namespace

void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters) {
  const char* op = "sample_tokens";
  const Device dev = detail::op_device(op, {{"tokens", &tokens}, {"logprobs", &logprobs}, {"logits", &logits}});
  const int64_t B = check_rows(op, logprobs, logits, tokens, "tokens", params);
  RLVR_CHECK(int64_t(streams.size()) == B && int64_t(counters.size()) == B, "kernels", op, ": ",
             streams.size(), " streams and ", counters.size(), " counters for logits ", logits.describe(),
             " (need one of each per row)");
  detail::backend(dev, op).sample_tokens(tokens, logprobs, logits, params, streams, counters);
}

void sampling_logprobs(Tensor& logprobs, const Tensor& logits, const Tensor& targets, const SamplingParams& params) {
  const char* op = "sampling_logprobs";
  const Device dev =
      detail::op_device(op, {{"logprobs", &logprobs}, {"logits", &logits}, {"targets", &targets}});
  check_rows(op, logprobs, logits, targets, "targets", params);
  detail::backend(dev, op).sampling_logprobs(logprobs, logits, targets, params);
}

}  // namespace rlvr
