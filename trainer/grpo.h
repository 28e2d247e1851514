// GRPO's math, free of any model: group-relative advantages, DAPO's overlong reward ramp, and
// the clipped policy loss with its gradient with respect to each token's log-probability.
//
// Per token t of sample i, with r = exp(logp - logp_old):
//   loss_t = -min(r A_i, clip(r, 1 - clip_low, 1 + clip_high) A_i) * w_t + kl_coef * k3_t
// With dual_clip = c > 1 and A_i < 0 the policy term is bounded: max(min(...), c A_i).
// w_t corrects for sampling with the rollout policy (FP8, another temperature or support) while
// the learner recomputes logp_old; with rho = exp(logp_old_sampling - logp_rollout) per token:
//   none 1; token_tis min(rho_t, high); seq_tis min(prod_t rho_t, high) for every token;
//   token_mask 1 if low <= rho_t <= high else 0; seq_mask the same test on the sequence's
//   geometric mean of rho (masked tokens still count in the normalizer).
// k3_t = exp(logp_ref - logp) - (logp_ref - logp) - 1 (Schulman's estimator, >= 0).
// Normalizers: tokens divides the step's summed loss by its token count (DAPO); sequences
// averages within each sequence, then over sequences (GRPO); max_length divides the sum by
// sequences x max_new_tokens, a constant (Dr. GRPO).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace rlvr::trainer {

enum class RolloutCorrection { None, TokenTis, SeqTis, TokenMask, SeqMask };
enum class LossNormalizer { Tokens, Sequences, MaxLength };
RolloutCorrection parse_rollout_correction(std::string_view name);  // none | token_tis | ...
LossNormalizer parse_loss_normalizer(std::string_view name);        // tokens | sequences | max_length

struct GrpoConfig {
  bool scale_by_std = true;        // divide by the group's reward std (off: Dr. GRPO)
  float std_eps = 1e-6f;
  bool drop_uniform_groups = false;  // groups whose rewards are all equal carry no signal
  float clip_low = 0.2f;
  float clip_high = 0.28f;         // DAPO's clip-higher
  float dual_clip = 0.0f;          // > 1: bound of the loss of negative advantages; 0: off
  LossNormalizer loss_normalizer = LossNormalizer::Tokens;
  float kl_coef = 0.0f;            // 0: no reference policy needed
  RolloutCorrection rollout_correction = RolloutCorrection::TokenTis;
  float correction_low = 0.5f;     // mask modes: lowest ratio kept
  float correction_high = 2.0f;    // TIS: cap of the weight; mask modes: highest ratio kept
};

// True when every reward of a group is the same: the group carries no learning signal.
bool rewards_all_equal(std::span<const double> group);

// Advantages for rewards laid out group by group (group_size consecutive samples per prompt).
// kept[i] is false for samples of a dropped (all-equal) group.
struct Advantages {
  std::vector<float> value;
  std::vector<bool> kept;
  int dropped_groups = 0;
};
Advantages group_advantages(const std::vector<double>& rewards, int group_size, const GrpoConfig& cfg);

// DAPO's soft overlong penalty, added to a completion's reward: 0 up to max_new_tokens - buffer
// tokens, then a linear ramp to -penalty at max_new_tokens (and -penalty beyond).
double overlong_penalty(int64_t completion_tokens, int64_t max_new_tokens, int64_t buffer, double penalty);

// One sequence's completion tokens.
struct PolicySample {
  std::span<const float> logp;          // learner, current parameters
  std::span<const float> logp_old;      // learner, parameters that generated the batch
  std::span<const float> logp_rollout;  // what the sampler reported (may be empty: no correction)
  std::span<const float> logp_ref;      // reference policy (needed when kl_coef > 0)
  float advantage = 0.0f;
  // logp_old under the rollout's sampling distribution (temperature, top-k, top-p); empty:
  // the sampler drew from the plain softmax, so logp_old is it.
  std::span<const float> logp_old_sampling = {};
};

struct PolicyLossStats {
  double loss = 0;             // this call's contribution to the step's loss
  int64_t tokens = 0;
  int64_t clipped_tokens = 0;  // tokens whose clipped (or dual-clipped) term was the active one
  double ratio_sum = 0;
  double kl_sum = 0;           // sum of k3 (when kl_coef > 0)
  double mismatch_abs_sum = 0, mismatch_max = 0;  // |logp_old - logp_rollout|
  double tis_weight_sum = 0;
  // Rollout correction diagnostics over tokens with a rollout log-prob, rho as above:
  int64_t rollout_tokens = 0;
  double rollout_kl_sum = 0;        // k3 estimate of KL(rollout || learner): rho - 1 - log rho
  int64_t ratio_outside = 0;        // rho outside [0.5, 2]
  double ratio_max = 0;             // the largest rho
  int64_t masked_tokens = 0;        // weight 0 under a mask mode
  void add(const PolicyLossStats& o);
};

// Loss of a micro-batch and d loss / d logp per token (dlogp[i] has the length of sample i).
// normalizer: the step's total token count (tokens), sequence count (sequences) or sequences x
// max_new_tokens (max_length), so that micro-batches add up to the step's loss.
PolicyLossStats grpo_policy_loss(const std::vector<PolicySample>& samples, const GrpoConfig& cfg,
                                 double normalizer, std::vector<std::vector<float>>* dlogp);

// The rollout correction's weight of each token of one sample (all 1 without rollout log-probs).
std::vector<double> rollout_correction_weights(const PolicySample& s, const GrpoConfig& cfg);

}  // namespace rlvr::trainer
