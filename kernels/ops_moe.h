// Mixture-of-experts plumbing: top-k routing, expert load, and the token permutation that
// groups rows by expert for the grouped GEMMs, with the weighted combine back to tokens.
// RoutingConfig and Permutation are in kernels/op_params.h.
#pragma once

#include "kernels/op_params.h"

namespace rlvr {

// scores = softmax or sigmoid of router_logits; the k experts with the largest score + bias
// are chosen (ties go to the lower expert id), in descending order of score + bias; the gates
// are their unbiased scores, then normalized and scaled per cfg. bias [E] or an undefined
// Tensor: DeepSeek's aux-loss-free balancing bias, used for selection only. With cfg.n_group > 1
// the choice is limited to the cfg.topk_group groups whose two largest score + bias sum highest
// (one for groups of one expert; ties to the lower group id), as DeepSeek-V3 routes.
// expert_ids i32 [T,k]; gates [T,k]; scores [T,E] (cached for backward); router_logits [T,E].
void topk_route(Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits,
                const Tensor& bias, const RoutingConfig& cfg);
// The selection is held fixed. drouter_logits [T,E] (overwritten); dgates [T,k];
// expert_ids i32 [T,k]; scores [T,E].
void topk_route_backward(Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids,
                         const Tensor& scores, const RoutingConfig& cfg);
// Router replay, after topk_route over the same tokens. recorded i32 [T,k]: the choices another
// pass made (the rollout's), a row whose first id is -1 where a token has none; ids in [0, E).
// For each token with a record, counts[1] += 1, and counts[0] += 1 when the live selection
// expert_ids[t] holds the same experts as recorded[t] (any order). With replay, such a token
// takes recorded[t] as its expert_ids and its gates from scores[t] at those experts, normalized
// and scaled as topk_route does (the router keeps its gradient through topk_route_backward).
// Tokens without a record keep the live routing. counts i32 [2] (accumulated).
void replay_route(Tensor& expert_ids, Tensor& gates, Tensor& counts, const Tensor& scores, const Tensor& recorded,
                  bool replay, const RoutingConfig& cfg);
// counts[e] = number of (token, choice) slots routed to expert e. counts i32 or f32 [E];
// expert_ids i32 [T,k], each in [0, E).
void expert_load(Tensor& counts, const Tensor& expert_ids);

// expert_ids i32 [T,k], each in [0, n_experts); pad_to >= 1.
Permutation make_permutation(const Tensor& expert_ids, int n_experts, int pad_to = 1);
// out[r] = x[token_of_row[r]] (zeros for padding). out [R,C]; x [T,C].
void permute_rows(Tensor& out, const Tensor& x, const Permutation& p);
// dx[t] += sum over t's slots of dout[row]. dx [T,C] (accumulated); dout [R,C].
void permute_rows_backward(Tensor& dx, const Tensor& dout, const Permutation& p);
// y[t] = sum_j gates[t,j] * expert_out[row_of_slot[t*k+j]]. y [T,C]; expert_out [R,C]; gates [T,k].
void unpermute_combine(Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p);
// dexpert_out [R,C] (overwritten, zeros for padding); dgates [T,k] (overwritten); dy [T,C];
// expert_out [R,C]; gates [T,k].
void unpermute_combine_backward(Tensor& dexpert_out, Tensor& dgates, const Tensor& dy,
                                const Tensor& expert_out, const Tensor& gates, const Permutation& p);

}  // namespace rlvr
