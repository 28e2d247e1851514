// The backend op list: every op a backend implements, once, with its signature. From it come the
// declarations of rlvr::cpu (kernels/cpu/ops_cpu.h) and rlvr::cuda (kernels/cuda/ops_cuda.h)
// and each backend's function table (kernels/ops_dispatch.h).
//
// Adding an op = one entry here, two implementations (rlvr::cpu in kernels/cpu/, rlvr::cuda in
// kernels/cuda/), and one row of tests/kernels/test_cross_backend.cpp that names it (a test
// fails for an entry no row names). The public op (kernels/ops_*.h, gemm.h, quantize.h, tensor.h)
// checks its arguments, then calls `detail::backend(dev, op).name(...)`.
//
// Backends receive checked arguments: shapes, dtypes and one device for every tensor (see the
// public headers for the shapes). A backend may still refuse what it cannot do (cuBLASLt's FP8
// alignment rules, CUDA's f32 <-> bf16-only conversion) with a message naming the op.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/op_params.h"

// X(return type, name, (parameters))
#define RLVR_BACKEND_OPS(X)                                                                                         \
  X(void, embedding_forward, (Tensor& out, const Tensor& tokens, const Tensor& table))                              \
  X(void, embedding_backward, (Tensor& dtable, const Tensor& dout, const Tensor& tokens))                           \
  X(void, rmsnorm_forward, (Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps))           \
  X(void, rmsnorm_backward,                                                                                         \
    (Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x, const Tensor& weight, const Tensor& rstd))   \
  X(void, rope_forward, (Tensor& x, const Tensor& positions, const RopeParams& p))                                  \
  X(void, rope_backward, (Tensor& dx, const Tensor& positions, const RopeParams& p))                                \
  X(void, attention_forward,                                                                                        \
    (Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, int n_kv_heads,      \
     float scale, int64_t q_offset))                                                                                \
  X(void, attention_backward,                                                                                       \
    (Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out, const Tensor& lse,                  \
     const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, int n_kv_heads, float scale,                   \
     int64_t q_offset))                                                                                             \
  X(void, swiglu_forward, (Tensor& out, const Tensor& gate, const Tensor& up))                                      \
  X(void, swiglu_backward, (Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up))  \
  X(void, softmax_forward, (Tensor& out, const Tensor& x))                                                          \
  X(void, log_softmax_gather, (Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets))             \
  X(void, log_softmax_gather_backward,                                                                              \
    (Tensor& dlogits, const Tensor& dlogp, const Tensor& logits, const Tensor& lse, const Tensor& targets))         \
  X(void, softmax_entropy, (Tensor& ent, const Tensor& logits, const Tensor& lse))                                  \
  X(void, topk_route,                                                                                               \
    (Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits, const Tensor& bias,            \
     const RoutingConfig& cfg))                                                                                     \
  X(void, topk_route_backward,                                                                                      \
    (Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids, const Tensor& scores,                  \
     const RoutingConfig& cfg))                                                                                     \
  X(void, replay_route,                                                                                             \
    (Tensor& expert_ids, Tensor& gates, Tensor& counts, const Tensor& scores, const Tensor& recorded, bool replay,  \
     const RoutingConfig& cfg))                                                                                     \
  X(void, expert_load, (Tensor& counts, const Tensor& expert_ids))                                                  \
  X(Permutation, make_permutation, (const Tensor& expert_ids, int n_experts, int pad_to))                           \
  X(void, permute_rows, (Tensor& out, const Tensor& x, const Permutation& p))                                       \
  X(void, permute_rows_backward, (Tensor& dx, const Tensor& dout, const Permutation& p))                            \
  X(void, unpermute_combine, (Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p))      \
  X(void, unpermute_combine_backward,                                                                               \
    (Tensor& dexpert_out, Tensor& dgates, const Tensor& dy, const Tensor& expert_out, const Tensor& gates,          \
     const Permutation& p))                                                                                         \
  X(void, sample_tokens,                                                                                            \
    (Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,                          \
     const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters))                                  \
  X(void, sampling_logprobs,                                                                                        \
    (Tensor& logprobs, const Tensor& logits, const Tensor& targets, const SamplingParams& params))                  \
  X(void, adamw_step, (Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p))              \
  X(void, add_inplace, (Tensor& a, const Tensor& b))                                                                \
  X(void, scale_inplace, (Tensor& a, float s))                                                                      \
  X(double, sum_squares, (const std::vector<const Tensor*>& tensors))                                               \
  X(void, copy_columns,                                                                                             \
    (Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols, bool accumulate))            \
  /* out = in converted, same shape: Tensor::to(DType) */                                                           \
  X(void, convert_dtype, (Tensor& out, const Tensor& in))                                                           \
  X(void, gemm, (Tensor& y, const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, bool accumulate))         \
  X(void, gemm_fp8, (Tensor& y, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate))               \
  X(QuantizedTensor, quantize_fp8, (const Tensor& x, QuantLayout layout, QuantOptions opts))                        \
  /* the stored matrix, or with `logical` the source matrix (dequantize_fp8_stored / dequantize_fp8) */             \
  X(Tensor, dequantize_fp8, (const QuantizedTensor& q, bool logical))                                               \
  X(Tensor, fp8_round_trip, (const Tensor& x, QuantLayout layout, bool pow2_scales))                                \
  X(QuantizedTensor, transpose_blocks, (const QuantizedTensor& w))

// Declares one op of the list in the enclosing namespace: RLVR_BACKEND_OPS(RLVR_BACKEND_DECLARE).
#define RLVR_BACKEND_DECLARE(ret, name, params) ret name params;
