// The learner's log-probs under the rollout's sampling distribution equal the sampler's: with
// the same FP32 weights, at temperature != 1, top-k and top-p, the per-token log-probs the
// learner recomputes for the rollout correction are the ones the rollout engine reported.
#include <gtest/gtest.h>

#include <cmath>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "testsupport/small_moe.h"
#include "trainer/learner.h"

namespace rlvr::trainer {
namespace {

model::Transformer small_model() {
  model::Transformer m(testsupport::small_moe());
  model::init_weights(m.config(), m.weights(), 5, 0.05f);
  return m;
}

TEST(SamplingLogprobs, LearnerMatchesTheSamplerAtAnyTemperatureTopKAndTopP) {
  model::Transformer m = small_model();
  const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3}, {4, 5}, {6}};
  const SamplingParams cases[] = {{0.7f, 0, 1.0f, 11}, {1.4f, 0, 1.0f, 12}, {1.0f, 5, 1.0f, 13},
                                  {1.0f, 0, 0.8f, 14}, {0.8f, 6, 0.9f, 15}};
  for (const SamplingParams& sp : cases) {
    rollout::GenerationParams gp;
    gp.n = 4;
    gp.max_new_tokens = 10;
    gp.sampling = sp;
    gp.precision = model::Precision::FP32;
    const std::vector<rollout::Completion> done = rollout::generate(m, prompts, gp);
    std::vector<TrainSequence> seqs;
    for (const rollout::Completion& c : done) {
      TrainSequence s;
      s.tokens = prompts[size_t(c.prompt_index)];
      s.prompt_len = int64_t(s.tokens.size());
      s.tokens.insert(s.tokens.end(), c.tokens.begin(), c.tokens.end());
      seqs.push_back(std::move(s));
    }
    LearnerOptions lo;
    lo.precision = model::Precision::FP32;
    lo.micro_batch_tokens = 40;  // several packed micro-batches
    std::vector<std::vector<float>> sampling_lp;
    const auto plain_lp = completion_logprobs(m, seqs, lo, nullptr, nullptr, &sp, &sampling_lp);
    EXPECT_FALSE(plain_sampling(sp));
    double plain_gap = 0;
    const bool filtered = sp.top_k > 0 || sp.top_p < 1.0f;
    for (size_t i = 0; i < done.size(); ++i) {
      // The engine records the filtered distribution's log-probs when it filters.
      EXPECT_EQ(done[i].sampling_logprobs.size(), filtered ? done[i].logprobs.size() : 0u);
      const std::vector<float>& rollout = filtered ? done[i].sampling_logprobs : done[i].logprobs;
      ASSERT_EQ(sampling_lp[i].size(), rollout.size());
      for (size_t t = 0; t < rollout.size(); ++t) {
        ASSERT_TRUE(std::isfinite(sampling_lp[i][t])) << "sample " << i << " token " << t;
        EXPECT_NEAR(sampling_lp[i][t], rollout[t], 2e-4)
            << "T " << sp.temperature << " k " << sp.top_k << " p " << sp.top_p << " sample " << i << " token " << t;
        plain_gap = std::max(plain_gap, std::fabs(double(plain_lp[i][t]) - rollout[t]));
      }
    }
    // The plain softmax's log-probs are not the sampler's here: the test tells them apart.
    EXPECT_GT(plain_gap, 1e-2) << "T " << sp.temperature << " k " << sp.top_k << " p " << sp.top_p;
  }
  // Temperature 1 without top-k / top-p, and greedy, need no recomputation.
  EXPECT_TRUE(plain_sampling({1.0f, 0, 1.0f, 0}));
  EXPECT_TRUE(plain_sampling({0.0f, 5, 0.5f, 0}));
}

}  // namespace
}  // namespace rlvr::trainer
