// GRPO advantages and policy loss: values against hand computations, gradients against finite
// differences, and the switches (std scaling, dropping, clip-higher, dual clip, normalizers, KL,
// each rollout correction mode) and DAPO's overlong ramp.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"
#include "trainer/grpo.h"

using namespace rlvr::trainer;

TEST(GrpoAdvantages, GroupNormalized) {
  GrpoConfig cfg;
  const Advantages a = group_advantages({1, 0, 0, 1, 0.5, 0.5, 0.5, 0.5}, 4, cfg);
  const double sd = std::sqrt(1.0 / 3.0);  // unbiased std of {1,0,0,1}
  EXPECT_NEAR(a.value[0], 0.5 / sd, 1e-5);
  EXPECT_NEAR(a.value[1], -0.5 / sd, 1e-5);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(a.value[size_t(i)], 0.0f);  // uniform group: no signal
  EXPECT_EQ(a.dropped_groups, 0);
}

TEST(GrpoAdvantages, DrGrpoAndDropping) {
  GrpoConfig cfg;
  cfg.scale_by_std = false;
  cfg.drop_uniform_groups = true;
  const Advantages a = group_advantages({3, 1, 2, 2}, 2, cfg);
  EXPECT_FLOAT_EQ(a.value[0], 1.0f);
  EXPECT_FLOAT_EQ(a.value[1], -1.0f);
  EXPECT_EQ(a.dropped_groups, 1);
  EXPECT_FALSE(a.kept[2]);
  EXPECT_TRUE(a.kept[0]);
}

TEST(GrpoAdvantages, BadGroupsAreClearErrors) {
  GrpoConfig cfg;
  EXPECT_THROW(group_advantages({1, 2, 3}, 2, cfg), rlvr::Error);
  try {
    group_advantages({1, 2}, 1, cfg);
    FAIL();
  } catch (const rlvr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 samples per prompt"), std::string::npos) << e.what();
  }
}

TEST(GrpoLoss, OnPolicyGradientIsMinusAdvantage) {
  // logp == logp_old: ratio 1, loss = -A per token averaged, d/dlogp = -A / tokens.
  std::vector<float> lp = {-1.f, -2.f, -0.5f}, lp2 = {-1.f};
  GrpoConfig cfg;
  std::vector<PolicySample> s = {{lp, lp, {}, {}, 2.0f}, {lp2, lp2, {}, {}, -1.0f}};
  std::vector<std::vector<float>> d;
  const PolicyLossStats st = grpo_policy_loss(s, cfg, 4.0, &d);
  EXPECT_NEAR(st.loss, (-2.0 * 3 + 1.0) / 4.0, 1e-6);
  EXPECT_NEAR(d[0][1], -2.0 / 4.0, 1e-6);
  EXPECT_NEAR(d[1][0], 1.0 / 4.0, 1e-6);
  EXPECT_EQ(st.clipped_tokens, 0);
  // Sequence-level: each sequence's tokens share 1/(n * sequences).
  cfg.loss_normalizer = LossNormalizer::Sequences;
  grpo_policy_loss(s, cfg, 2.0, &d);
  EXPECT_NEAR(d[0][0], -2.0 / (3 * 2.0), 1e-6);
  EXPECT_NEAR(d[1][0], 1.0 / 2.0, 1e-6);
}

TEST(GrpoLoss, ClipHigherAndLow) {
  GrpoConfig cfg;  // clip_low 0.2, clip_high 0.28
  const float old = -1.0f;
  struct Case { float logp; float adv; bool clipped; };
  const Case cases[] = {
      {old + std::log(1.25f), 1.f, false},  // ratio 1.25 < 1.28: still pushed up
      {old + std::log(1.35f), 1.f, true},   // beyond 1 + clip_high: no gradient
      {old + std::log(1.35f), -1.f, false}, // negative advantage is never clipped from above
      {old + std::log(0.7f), -1.f, true},   // below 1 - clip_low with A < 0: clipped
      {old + std::log(0.7f), 1.f, false},
  };
  for (const Case& c : cases) {
    std::vector<float> lp = {c.logp}, lo = {old};
    std::vector<std::vector<float>> d;
    const PolicyLossStats st = grpo_policy_loss({{lp, lo, {}, {}, c.adv}}, cfg, 1.0, &d);
    EXPECT_EQ(st.clipped_tokens, c.clipped ? 1 : 0) << c.logp << " " << c.adv;
    if (c.clipped) {
      EXPECT_EQ(d[0][0], 0.0f);
    }
    else EXPECT_NEAR(d[0][0], -std::exp(c.logp - old) * c.adv, 1e-5);
  }
}

TEST(GrpoLoss, GradientMatchesFiniteDifferencesWithKlAndTis) {
  GrpoConfig cfg;
  cfg.kl_coef = 0.1f;
  std::mt19937 rng(4);
  std::normal_distribution<float> nd(0.f, 0.1f);
  std::vector<float> lp(6), lo(6), lr(6), lref(6);
  for (int i = 0; i < 6; ++i) lo[size_t(i)] = -1.f - 0.1f * i, lp[size_t(i)] = lo[size_t(i)] + nd(rng),
                            lr[size_t(i)] = lo[size_t(i)] + nd(rng), lref[size_t(i)] = lo[size_t(i)] + nd(rng);
  std::vector<std::vector<float>> d;
  const auto loss_at = [&](const std::vector<float>& x) {
    return grpo_policy_loss({{x, lo, lr, lref, 0.7f}}, cfg, 6.0, nullptr).loss;
  };
  const PolicyLossStats st = grpo_policy_loss({{lp, lo, lr, lref, 0.7f}}, cfg, 6.0, &d);
  EXPECT_GT(st.kl_sum, 0);
  EXPECT_GT(st.mismatch_abs_sum, 0);
  for (size_t t = 0; t < 6; ++t) {
    std::vector<float> p = lp, m = lp;
    p[t] += 1e-3f;
    m[t] -= 1e-3f;
    const double fd = (loss_at(p) - loss_at(m)) / 2e-3;
    if (st.clipped_tokens == 0) {
      EXPECT_NEAR(d[0][t], fd, 1e-4) << t;
    }
  }
  // TIS caps the weight: a rollout that was far less likely than the learner says.
  std::vector<float> far = lo;
  for (float& x : far) x -= 5.f;
  const PolicyLossStats capped = grpo_policy_loss({{lo, lo, far, lref, 1.0f}}, cfg, 6.0, nullptr);
  EXPECT_NEAR(capped.tis_weight_sum, 6 * cfg.correction_high, 1e-4);
  EXPECT_NEAR(capped.mismatch_max, 5.0, 1e-4);
}

TEST(GrpoLoss, MaxLengthNormalizerWeighsEveryTokenByTheConstant) {
  // Dr. GRPO: the sum over tokens divided by sequences x max_new_tokens (the caller's
  // normalizer), whatever each sequence's length.
  std::vector<float> lp = {-1.f, -2.f, -0.5f}, lp2 = {-1.f};
  GrpoConfig cfg;
  cfg.loss_normalizer = LossNormalizer::MaxLength;
  std::vector<std::vector<float>> d;
  const PolicyLossStats st = grpo_policy_loss({{lp, lp, {}, {}, 2.0f}, {lp2, lp2, {}, {}, -1.0f}}, cfg, 2 * 8.0, &d);
  EXPECT_NEAR(d[0][2], -2.0 / 16.0, 1e-7);
  EXPECT_NEAR(d[1][0], 1.0 / 16.0, 1e-7);
  EXPECT_NEAR(st.loss, (-2.0 * 3 + 1.0) / 16.0, 1e-6);
}

TEST(GrpoLoss, DualClipBoundsTheLossOfNegativeAdvantages) {
  GrpoConfig cfg;
  cfg.dual_clip = 3.0f;
  const float old = -1.0f;
  struct Case { float ratio, adv, loss; bool clipped; float grad; };
  const Case cases[] = {
      {4.0f, -1.f, 3.0f, true, 0.0f},    // -r A = 4 above -c A = 3: bounded, no gradient
      {2.0f, -1.f, 2.0f, false, 2.0f},   // within the bound: the ordinary term
      {4.0f, 1.f, -1.28f, true, 0.0f},   // positive advantage: only clip-higher applies
  };
  for (const Case& c : cases) {
    std::vector<float> lp = {old + std::log(c.ratio)}, lo = {old};
    std::vector<std::vector<float>> d;
    const PolicyLossStats st = grpo_policy_loss({{lp, lo, {}, {}, c.adv}}, cfg, 1.0, &d);
    EXPECT_NEAR(st.loss, c.loss, 1e-5) << c.ratio << " " << c.adv;
    EXPECT_EQ(st.clipped_tokens, c.clipped ? 1 : 0) << c.ratio << " " << c.adv;
    EXPECT_NEAR(d[0][0], c.grad, 1e-5) << c.ratio << " " << c.adv;
  }
  cfg.dual_clip = 0.0f;  // off: the loss grows with the ratio
  std::vector<float> lp = {old + std::log(4.0f)}, lo = {old};
  EXPECT_NEAR(grpo_policy_loss({{lp, lo, {}, {}, -1.f}}, cfg, 1.0, nullptr).loss, 4.0, 1e-5);
}

// rho = exp(logp_old_sampling - logp_rollout) per token.
struct CorrectionCase {
  RolloutCorrection mode;
  std::vector<double> rho;
  std::vector<double> weight;
};

TEST(GrpoCorrection, EachModeWeighsTokensAsDocumented) {
  const std::vector<double> mixed = {0.25, 0.8, 1.5, 3.0};   // product 0.9, geometric mean 0.974
  const std::vector<double> high = {4.0, 4.0, 4.0, 1.0};     // geometric mean 2.83
  const std::vector<double> low = {0.1, 0.2, 1.0, 1.0};      // geometric mean 0.376
  const CorrectionCase cases[] = {
      {RolloutCorrection::None, mixed, {1, 1, 1, 1}},
      {RolloutCorrection::TokenTis, mixed, {0.25, 0.8, 1.5, 2.0}},
      {RolloutCorrection::SeqTis, mixed, {0.9, 0.9, 0.9, 0.9}},
      {RolloutCorrection::SeqTis, high, {2.0, 2.0, 2.0, 2.0}},
      {RolloutCorrection::TokenMask, mixed, {0, 1, 1, 0}},
      {RolloutCorrection::SeqMask, mixed, {1, 1, 1, 1}},
      {RolloutCorrection::SeqMask, high, {0, 0, 0, 0}},
      {RolloutCorrection::SeqMask, low, {0, 0, 0, 0}},
  };
  GrpoConfig cfg;  // low 0.5, high 2
  for (const CorrectionCase& c : cases) {
    cfg.rollout_correction = c.mode;
    // logp_old is off by 1 everywhere: the sampling-distribution log-probs are the ones compared.
    std::vector<float> old(4), sampling(4), rollout(4);
    for (size_t t = 0; t < 4; ++t) {
      rollout[t] = -1.0f - 0.3f * float(t);
      sampling[t] = rollout[t] + float(std::log(c.rho[t]));
      old[t] = sampling[t] - 1.0f;
    }
    PolicySample s{old, old, rollout, {}, 1.0f, sampling};
    const std::vector<double> w = rollout_correction_weights(s, cfg);
    for (size_t t = 0; t < 4; ++t) EXPECT_NEAR(w[t], c.weight[t], 1e-5) << int(c.mode) << " token " << t;
    // On policy (logp = logp_old) the gradient is -A w per token, divided by the normalizer.
    std::vector<std::vector<float>> d;
    const PolicyLossStats st = grpo_policy_loss({s}, cfg, 4.0, &d);
    for (size_t t = 0; t < 4; ++t) EXPECT_NEAR(d[0][t], -c.weight[t] / 4.0, 1e-5) << int(c.mode) << " token " << t;
    const bool mask = c.mode == RolloutCorrection::TokenMask || c.mode == RolloutCorrection::SeqMask;
    int64_t zeros = 0;
    for (double x : c.weight) zeros += x == 0;
    EXPECT_EQ(st.masked_tokens, mask ? zeros : 0) << int(c.mode);
  }
  // Without rollout log-probs every mode weighs 1.
  cfg.rollout_correction = RolloutCorrection::TokenMask;
  std::vector<float> lp = {-5.f, -0.1f};
  for (double w : rollout_correction_weights({lp, lp, {}, {}, 1.0f}, cfg)) EXPECT_EQ(w, 1.0);
}

TEST(GrpoCorrection, DiagnosticsAreTheKlOutsideFractionAndLargestRatio) {
  const std::vector<double> rho = {0.25, 0.8, 1.5, 3.0};
  std::vector<float> rollout(4), learner(4);
  double k3 = 0;
  for (size_t t = 0; t < 4; ++t) {
    rollout[t] = -2.0f;
    learner[t] = -2.0f + float(std::log(rho[t]));
    k3 += rho[t] - 1.0 - std::log(rho[t]);
  }
  const PolicyLossStats st = grpo_policy_loss({{learner, learner, rollout, {}, 1.0f}}, GrpoConfig{}, 4.0, nullptr);
  EXPECT_EQ(st.rollout_tokens, 4);
  EXPECT_NEAR(st.rollout_kl_sum, k3, 1e-5);
  EXPECT_EQ(st.ratio_outside, 2);  // 0.25 and 3
  EXPECT_NEAR(st.ratio_max, 3.0, 1e-5);
  // A token outside the learner's sampling support (log-prob -inf) weighs ~0, finitely.
  std::vector<float> outside = learner;
  outside[0] = -INFINITY;
  const PolicyLossStats o = grpo_policy_loss({{learner, learner, rollout, {}, 1.0f, outside}}, GrpoConfig{}, 4.0, nullptr);
  EXPECT_TRUE(std::isfinite(o.rollout_kl_sum));
  EXPECT_NEAR(o.tis_weight_sum, 0.8 + 1.5 + 2.0, 1e-5);  // the first token weighs exp(-30)
}

TEST(GrpoOverlong, PenaltyRampsOverTheBufferToTheLimit) {
  // max_new_tokens 20, buffer 4, penalty 1: 0 up to 16 tokens, then -1/4 per token.
  const std::pair<int64_t, double> ramp[] = {{0, 0.0}, {16, 0.0}, {17, -0.25}, {18, -0.5}, {19, -0.75},
                                             {20, -1.0}, {25, -1.0}};
  for (const auto& [len, want] : ramp) EXPECT_NEAR(overlong_penalty(len, 20, 4, 1.0), want, 1e-12) << len;
  EXPECT_NEAR(overlong_penalty(18, 20, 4, 0.5), -0.25, 1e-12);  // scales with the penalty
  // No buffer: only a completion that reaches the limit is penalized.
  EXPECT_EQ(overlong_penalty(19, 20, 0, 1.0), 0.0);
  EXPECT_EQ(overlong_penalty(20, 20, 0, 1.0), -1.0);
}

TEST(GrpoConfigNames, ParseEveryModeAndRejectOthers) {
  EXPECT_EQ(parse_rollout_correction("seq_tis"), RolloutCorrection::SeqTis);
  EXPECT_EQ(parse_rollout_correction("none"), RolloutCorrection::None);
  EXPECT_EQ(parse_loss_normalizer("max_length"), LossNormalizer::MaxLength);
  EXPECT_THROW(parse_rollout_correction("tis"), rlvr::Error);
  EXPECT_THROW(parse_loss_normalizer("token"), rlvr::Error);
}
