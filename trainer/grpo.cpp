// Group-relative advantages, the overlong ramp and the clipped, rollout-corrected GRPO policy loss.
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
    for (int i = 0; i < group_size; ++i) var += (rewards[g + size_t(i)] - mean) * (rewards[g + size_t(i)] - mean);
    const bool uniform = rewards_all_equal(std::span<const double>(rewards).subspan(g, size_t(group_size)));
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

bool rewards_all_equal(std::span<const double> group) {
  return std::all_of(group.begin(), group.end(), [&](double r) { return r == group.front(); });
}

RolloutCorrection parse_rollout_correction(std::string_view name) {
  if (name == "none") return RolloutCorrection::None;
  if (name == "token_tis") return RolloutCorrection::TokenTis;
  if (name == "seq_tis") return RolloutCorrection::SeqTis;
  if (name == "token_mask") return RolloutCorrection::TokenMask;
  if (name == "seq_mask") return RolloutCorrection::SeqMask;
  RLVR_FAIL("trainer", cat("unknown rollout correction '", name, "'"));
}

LossNormalizer parse_loss_normalizer(std::string_view name) {
  if (name == "tokens") return LossNormalizer::Tokens;
  if (name == "sequences") return LossNormalizer::Sequences;
  if (name == "max_length") return LossNormalizer::MaxLength;
  RLVR_FAIL("trainer", cat("unknown loss normalizer '", name, "'"));
}

double overlong_penalty(int64_t completion_tokens, int64_t max_new_tokens, int64_t buffer, double penalty) {
  if (completion_tokens >= max_new_tokens) return -penalty;
  const int64_t start = max_new_tokens - buffer;
  if (buffer <= 0 || completion_tokens <= start) return 0.0;
  return -penalty * double(completion_tokens - start) / double(buffer);
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
  rollout_tokens += o.rollout_tokens;
  rollout_kl_sum += o.rollout_kl_sum;
  ratio_outside += o.ratio_outside;
  ratio_max = std::max(ratio_max, o.ratio_max);
  masked_tokens += o.masked_tokens;
}

namespace {

// log(learner / rollout) of token t, bounded so that a token outside the learner's sampling
// support (log-prob -inf) gives a weight of ~0 and finite statistics.
constexpr double kMaxLogRatio = 30.0;
double log_ratio(const PolicySample& s, size_t t) {
  const float learner = s.logp_old_sampling.empty() ? s.logp_old[t] : s.logp_old_sampling[t];
  return std::clamp(double(learner) - double(s.logp_rollout[t]), -kMaxLogRatio, kMaxLogRatio);
}

}  // namespace

std::vector<double> rollout_correction_weights(const PolicySample& s, const GrpoConfig& cfg) {
  const size_t n = s.logp_old.size();
  std::vector<double> w(n, 1.0);
  if (s.logp_rollout.empty() || cfg.rollout_correction == RolloutCorrection::None) return w;
  const double low = cfg.correction_low, high = cfg.correction_high;
  switch (cfg.rollout_correction) {
    case RolloutCorrection::TokenTis:
      for (size_t t = 0; t < n; ++t) w[t] = std::min(std::exp(log_ratio(s, t)), high);
      break;
    case RolloutCorrection::TokenMask:
      for (size_t t = 0; t < n; ++t) {
        const double rho = std::exp(log_ratio(s, t));
        w[t] = rho >= low && rho <= high ? 1.0 : 0.0;
      }
      break;
    case RolloutCorrection::SeqTis:
    case RolloutCorrection::SeqMask: {
      double sum = 0;
      for (size_t t = 0; t < n; ++t) sum += log_ratio(s, t);
      double seq_w = 0;
      if (cfg.rollout_correction == RolloutCorrection::SeqTis) {
        seq_w = std::min(std::exp(sum), high);  // the sequence's importance ratio, truncated
      } else {
        const double geo_mean = std::exp(sum / double(std::max<size_t>(n, 1)));
        seq_w = geo_mean >= low && geo_mean <= high ? 1.0 : 0.0;
      }
      std::fill(w.begin(), w.end(), seq_w);
      break;
    }
    case RolloutCorrection::None:
      break;
  }
  return w;
}

PolicyLossStats grpo_policy_loss(const std::vector<PolicySample>& samples, const GrpoConfig& cfg, double normalizer,
                                 std::vector<std::vector<float>>* dlogp) {
  RLVR_CHECK(normalizer > 0, "trainer", "loss normalizer must be positive, got ", normalizer);
  const bool masking =
      cfg.rollout_correction == RolloutCorrection::TokenMask || cfg.rollout_correction == RolloutCorrection::SeqMask;
  PolicyLossStats st;
  if (dlogp) dlogp->assign(samples.size(), {});
  for (size_t i = 0; i < samples.size(); ++i) {
    const PolicySample& s = samples[i];
    const size_t n = s.logp.size();
    RLVR_CHECK(s.logp_old.size() == n && (s.logp_rollout.empty() || s.logp_rollout.size() == n) &&
                   (s.logp_old_sampling.empty() || s.logp_old_sampling.size() == n) &&
                   (cfg.kl_coef == 0 || s.logp_ref.size() == n),
               "trainer", "sample ", i, ": log-prob arrays of different lengths");
    if (dlogp) (*dlogp)[i].assign(n, 0.0f);
    if (n == 0) continue;
    // Per sequence (sequences): each token weighs 1/(n * normalizer); else 1/normalizer.
    const double per_token = cfg.loss_normalizer != LossNormalizer::Sequences ? 1.0 / normalizer
                                                                               : 1.0 / (double(n) * normalizer);
    const double A = s.advantage;
    const std::vector<double> weight = rollout_correction_weights(s, cfg);
    for (size_t t = 0; t < n; ++t) {
      const double ratio = std::exp(double(s.logp[t]) - double(s.logp_old[t]));
      const double w = weight[t];
      if (!s.logp_rollout.empty()) {
        const double gap = log_ratio(s, t);
        const double rho = std::exp(gap);
        st.mismatch_abs_sum += std::fabs(gap);
        st.mismatch_max = std::max(st.mismatch_max, std::fabs(gap));
        ++st.rollout_tokens;
        st.rollout_kl_sum += rho - 1.0 - gap;
        st.ratio_outside += rho < 0.5 || rho > 2.0;
        st.ratio_max = std::max(st.ratio_max, rho);
        st.masked_tokens += masking && w == 0.0;
      }
      const double clipped_ratio = std::clamp(ratio, 1.0 - cfg.clip_low, 1.0 + cfg.clip_high);
      const double unclipped = ratio * A, clipped = clipped_ratio * A;
      double objective = std::min(unclipped, clipped);
      bool clip_active = clipped < unclipped;  // min() picks the clipped term: no gradient
      if (cfg.dual_clip > 0 && A < 0 && objective < cfg.dual_clip * A) {
        objective = cfg.dual_clip * A;  // dual clip: a constant, no gradient
        clip_active = true;
      }
      double tok_loss = -objective * w;
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
