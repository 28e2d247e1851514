// CPU implementations of the op set, called by the public ops in kernels/ops_*.cpp after
// their argument checks (so these assume valid, CPU-resident arguments). Shapes: see ops_*.h.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/ops.h"

namespace rlvr::cpu {

void embedding_forward(Tensor& out, const Tensor& tokens, const Tensor& table);
void embedding_backward(Tensor& dtable, const Tensor& dout, const Tensor& tokens);
void rmsnorm_forward(Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps);
void rmsnorm_backward(Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x,
                      const Tensor& weight, const Tensor& rstd);
void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta);
void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta);
void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset);
void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset);
void swiglu_forward(Tensor& out, const Tensor& gate, const Tensor& up);
void swiglu_backward(Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up);
void softmax_forward(Tensor& out, const Tensor& x);
void log_softmax_gather(Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets);
void log_softmax_gather_backward(Tensor& dlogits, const Tensor& dlogp, const Tensor& logits,
                                 const Tensor& lse, const Tensor& targets);
void softmax_entropy(Tensor& ent, const Tensor& logits, const Tensor& lse);
void topk_route(Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits,
                const Tensor& bias, const RoutingConfig& cfg);
void topk_route_backward(Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids,
                         const Tensor& scores, const RoutingConfig& cfg);
void expert_load(Tensor& counts, const Tensor& expert_ids);
Permutation make_permutation(const Tensor& expert_ids, int n_experts, int pad_to);
void permute_rows(Tensor& out, const Tensor& x, const Permutation& p);
void permute_rows_backward(Tensor& dx, const Tensor& dout, const Permutation& p);
void unpermute_combine(Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p);
void unpermute_combine_backward(Tensor& dexpert_out, Tensor& dgates, const Tensor& dy,
                                const Tensor& expert_out, const Tensor& gates, const Permutation& p);
void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters);
void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p);
void add_inplace(Tensor& a, const Tensor& b);
void scale_inplace(Tensor& a, float s);
double sum_squares(const Tensor& a);

}  // namespace rlvr::cpu
