// GRPO's math, free of any model: group-relative advantages and the clipped policy loss with
// its gradient with respect to each token's log-probability.
//
// Per token t of sample i, with r = exp(logp - logp_old):
//   loss_t = -min(r A_i, clip(r, 1 - clip_low, 1 + clip_high) A_i) * w_t + kl_coef * k3_t
// w_t: the truncated importance weight min(exp(logp_old - logp_rollout), tis_cap) that corrects
// for sampling with the FP8 rollout policy while the learner recomputes logp_old (1 when off);
// k3_t = exp(logp_ref - logp) - (logp_ref - logp) - 1 (Schulman's estimator, >= 0).
// Token-level averaging divides the sum over all tokens of the optimizer step by their count
// (DAPO); sequence-level averages within each sequence, then over sequences (GRPO).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace rlvr::trainer {

struct GrpoConfig {
  bool scale_by_std = true;        // divide by the group's reward std (off: Dr. GRPO)
  float std_eps = 1e-6f;
  bool drop_uniform_groups = false;  // groups whose rewards are all equal carry no signal
  float clip_low = 0.2f;
  float clip_high = 0.28f;         // DAPO's clip-higher
  bool token_level_loss = true;    // false: sequence-level averaging
  float kl_coef = 0.0f;            // 0: no reference policy needed
  bool truncated_is = true;        // correct for the rollout/learner mismatch
  float tis_cap = 2.0f;
};

// Advantages for rewards laid out group by group (group_size consecutive samples per prompt).
// kept[i] is false for samples of a dropped (all-equal) group.
struct Advantages {
  std::vector<float> value;
  std::vector<bool> kept;
  int dropped_groups = 0;
};
Advantages group_advantages(const std::vector<double>& rewards, int group_size, const GrpoConfig& cfg);

// One sequence's completion tokens.
struct PolicySample {
  std::span<const float> logp;          // learner, current parameters
  std::span<const float> logp_old;      // learner, parameters that generated the batch
  std::span<const float> logp_rollout;  // what the sampler reported (may be empty: = logp_old)
  std::span<const float> logp_ref;      // reference policy (needed when kl_coef > 0)
  float advantage = 0.0f;
};

struct PolicyLossStats {
  double loss = 0;             // this call's contribution to the step's loss
  int64_t tokens = 0;
  int64_t clipped_tokens = 0;  // tokens whose clipped term was the active one
  double ratio_sum = 0;
  double kl_sum = 0;           // sum of k3 (when kl_coef > 0)
  double mismatch_abs_sum = 0, mismatch_max = 0;  // |logp_old - logp_rollout|
  double tis_weight_sum = 0;
  void add(const PolicyLossStats& o);
};

// Loss of a micro-batch and d loss / d logp per token (dlogp[i] has the length of sample i).
// normalizer: the step's total token count (token-level) or sequence count (sequence-level),
// so that micro-batches add up to the step's loss.
PolicyLossStats grpo_policy_loss(const std::vector<PolicySample>& samples, const GrpoConfig& cfg,
                                 double normalizer, std::vector<std::vector<float>>* dlogp);

}  // namespace rlvr::trainer
