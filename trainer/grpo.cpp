// Group-relative advantages and the clipped, importance-corrected GRPO policy loss.
#include "trainer/grpo.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace rlvr::trainer {

Advantages group_advantages(const std::vector<double>& rewards, int group_size, const GrpoConfig& cfg) {
  RLVR_CHECK(group_size >= 1, "trainer", "group size must be at least 1, got ", group_size);
  RLVR_CHECK(rewards.size() % size_t(group_size) == 0, "trainer", rewards.size(),
             " rewards do not split into groups of ", group_size);
  RLVR_CHECK(!(group_size == 1 && cfg.scale_by_std), "trainer",
             "group normalization needs at least 2 samples per prompt (rollout.n = 1)");
  Advantages a;
  a.value.assign(rewards.size(), 0.0f);
  a.kept.assign(rewards.size(), true);
  for (size_t g = 0; g < rewards.size(); g += size_t(group_size)) {
    double mean = 0;
    for (int i = 0; i < group_size; ++i) mean += rewards[g + size_t(i)];
    mean /= group_size;
    double var = 0;
    bool uniform = true;
    for (int i = 0; i < group_size; ++i) {
      var += (rewards[g + size_t(i)] - mean) * (rewards[g + size_t(i)] - mean);
      uniform = uniform && rewards[g + size_t(i)] == rewards[g];
    }
    // Unbiased std, as TRL and verl compute it.
    const double stdev = group_size > 1 ? std::sqrt(var / (group_size - 1)) : 0.0;
    if (uniform && cfg.drop_uniform_groups) {
      ++a.dropped_groups;
      for (int i = 0; i < group_size; ++i) a.kept[g + size_t(i)] = false;
      continue;
    }
    for (int i = 0; i < group_size; ++i) {
      const double centered = rewards[g + size_t(i)] - mean;
      a.value[g + size_t(i)] = float(cfg.scale_by_std ? centered / (stdev + cfg.std_eps) : centered);
    }
  }
  return a;
}

void PolicyLossStats::add(const PolicyLossStats& o) {
  loss += o.loss;
  tokens += o.tokens;
  clipped_tokens += o.clipped_tokens;
  ratio_sum += o.ratio_sum;
  kl_sum += o.kl_sum;
  mismatch_abs_sum += o.mismatch_abs_sum;
  mismatch_max = std::max(mismatch_max, o.mismatch_max);
  tis_weight_sum += o.tis_weight_sum;
}

PolicyLossStats grpo_policy_loss(const std::vector<PolicySample>& samples, const GrpoConfig& cfg, double normalizer,
                                 std::vector<std::vector<float>>* dlogp) {
  RLVR_CHECK(normalizer > 0, "trainer", "loss normalizer must be positive, got ", normalizer);
  PolicyLossStats st;
  if (dlogp) dlogp->assign(samples.size(), {});
  for (size_t i = 0; i < samples.size(); ++i) {
    const PolicySample& s = samples[i];
    const size_t n = s.logp.size();
    RLVR_CHECK(s.logp_old.size() == n && (s.logp_rollout.empty() || s.logp_rollout.size() == n) &&
                   (cfg.kl_coef == 0 || s.logp_ref.size() == n),
               "trainer", "sample ", i, ": log-prob arrays of different lengths");
    if (dlogp) (*dlogp)[i].assign(n, 0.0f);
    if (n == 0) continue;
    // Token-level: every token weighs 1/normalizer; sequence-level: 1/(n * normalizer).
    const double per_token = cfg.token_level_loss ? 1.0 / normalizer : 1.0 / (double(n) * normalizer);
    const double A = s.advantage;
    for (size_t t = 0; t < n; ++t) {
      const double ratio = std::exp(double(s.logp[t]) - double(s.logp_old[t]));
      double w = 1.0;
      if (!s.logp_rollout.empty()) {
        const double gap = double(s.logp_old[t]) - double(s.logp_rollout[t]);
        st.mismatch_abs_sum += std::fabs(gap);
        st.mismatch_max = std::max(st.mismatch_max, std::fabs(gap));
        if (cfg.truncated_is) w = std::min(std::exp(gap), double(cfg.tis_cap));
      }
      const double clipped_ratio = std::clamp(ratio, 1.0 - cfg.clip_low, 1.0 + cfg.clip_high);
      const double unclipped = ratio * A, clipped = clipped_ratio * A;
      const bool clip_active = clipped < unclipped;  // min() picks the clipped term: no gradient
      double tok_loss = -std::min(unclipped, clipped) * w;
      double grad = clip_active ? 0.0 : -unclipped * w;  // d(-r A w)/dlogp = -r A w
      if (cfg.kl_coef > 0) {
        const double d = double(s.logp_ref[t]) - double(s.logp[t]);
        const double k3 = std::exp(d) - d - 1.0;
        st.kl_sum += k3;
        tok_loss += cfg.kl_coef * k3;
        grad += cfg.kl_coef * (1.0 - std::exp(d));
      }
      st.loss += tok_loss * per_token;
      st.clipped_tokens += clip_active ? 1 : 0;
      st.ratio_sum += ratio;
      st.tis_weight_sum += w;
      if (dlogp) (*dlogp)[i][t] = float(grad * per_token);
    }
    st.tokens += int64_t(n);
  }
  return st;
}

}  // namespace rlvr::trainer
