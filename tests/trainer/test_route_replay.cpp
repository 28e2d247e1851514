// Router replay through the learner: the rollout's recorded experts agree with an FP32 learner's
// own routing exactly when the rollout ran in FP32 too, less when it ran in FP8, and replay gives
// the same log-probs however the sequences are packed into micro-batches.
#include <gtest/gtest.h>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "testsupport/small_moe.h"
#include "trainer/learner.h"

namespace rlvr::trainer {
namespace {

model::Transformer two_moe_layers() {
  model::ModelConfig c = testsupport::small_moe();
  c.mlp_only_layers = {};
  c.num_experts = 8;
  model::Transformer m(c);
  model::init_weights(m.config(), m.weights(), 9, 0.3f);
  return m;
}

// Prompts' completions sampled at `precision`, each a TrainSequence with its recorded routes.
std::vector<TrainSequence> rollouts(model::Transformer& m, model::Precision precision) {
  const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3}, {4, 5}, {6, 7, 8, 9}};
  rollout::GenerationParams gp;
  gp.n = 2;
  gp.max_new_tokens = 12;
  gp.sampling.temperature = 1.0f;
  gp.sampling.seed = 4;
  gp.precision = precision;
  gp.record_routes = true;
  std::vector<TrainSequence> out;
  for (const rollout::Completion& c : rollout::generate(m, prompts, gp)) {
    const size_t per_token = size_t(m.config().n_moe_layers() * m.config().num_experts_per_tok);
    EXPECT_EQ(c.routes.size(), c.tokens.size() * per_token);
    TrainSequence s;
    s.tokens = prompts[size_t(c.prompt_index)];
    s.prompt_len = int64_t(s.tokens.size());
    s.tokens.insert(s.tokens.end(), c.tokens.begin(), c.tokens.end());
    s.routes = c.routes;
    out.push_back(std::move(s));
  }
  return out;
}

int64_t completion_tokens(const std::vector<TrainSequence>& seqs) {
  int64_t n = 0;
  for (const TrainSequence& s : seqs) n += s.completion_len();
  return n;
}

// An FP32 learner's routing agreement with rollouts sampled at `rollout_precision`; every
// completion token has a record in each of the two MoE layers.
RouteAgreement agreement_with(model::Precision rollout_precision) {
  model::Transformer m = two_moe_layers();
  const std::vector<TrainSequence> seqs = rollouts(m, rollout_precision);
  LearnerOptions lo;
  lo.precision = model::Precision::FP32;
  RouteAgreement agree;
  completion_logprobs(m, seqs, lo, nullptr, &agree);
  EXPECT_EQ(agree.records, completion_tokens(seqs) * 2);
  return agree;
}

TEST(RouteReplay, AnFp32RolloutAgreesWithAnFp32Learner) {
  EXPECT_EQ(agreement_with(model::Precision::FP32).fraction(), 1.0);
}

TEST(RouteReplay, AnFp8RolloutDisagreesSometimes) {
  const double f = agreement_with(model::Precision::FP8).fraction();
  EXPECT_LT(f, 1.0);
  EXPECT_GT(f, 0.5);
}

TEST(RouteReplay, LogprobsDoNotDependOnTheMicroBatches) {
  model::Transformer m = two_moe_layers();
  const std::vector<TrainSequence> seqs = rollouts(m, model::Precision::FP8);
  LearnerOptions one, many;
  one.precision = many.precision = model::Precision::FP32;
  one.replay_routes = many.replay_routes = true;
  one.micro_batch_tokens = 4096;
  many.micro_batch_tokens = 12;
  RouteAgreement a, b;
  const auto packed = completion_logprobs(m, seqs, one, nullptr, &a);
  const auto split = completion_logprobs(m, seqs, many, nullptr, &b);
  ASSERT_EQ(packed.size(), split.size());
  for (size_t i = 0; i < packed.size(); ++i)
    for (size_t t = 0; t < packed[i].size(); ++t) EXPECT_NEAR(packed[i][t], split[i][t], 1e-5) << i << ", " << t;
  EXPECT_EQ(a.matches, b.matches);
  // Replay changes what the disagreeing tokens compute.
  LearnerOptions live = one;
  live.replay_routes = false;
  const auto unreplayed = completion_logprobs(m, seqs, live);
  double diff = 0;
  for (size_t i = 0; i < packed.size(); ++i)
    for (size_t t = 0; t < packed[i].size(); ++t) diff += std::abs(packed[i][t] - unreplayed[i][t]);
  EXPECT_GT(diff, 0.0);
}

}  // namespace
}  // namespace rlvr::trainer
