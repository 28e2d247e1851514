// GRPO advantages and policy loss: values against hand computations, gradients against finite
// differences, and the switches (std scaling, dropping, clip-higher, averaging, KL, TIS).
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
  cfg.token_level_loss = false;
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
  EXPECT_NEAR(capped.tis_weight_sum, 6 * cfg.tis_cap, 1e-4);
  EXPECT_NEAR(capped.mismatch_max, 5.0, 1e-4);
}
