// The learner's updates move a small model the way their losses say: SFT lowers cross-entropy,
// a GRPO update raises the log-probability of positive-advantage completions and lowers that of
// negative ones, micro-batching does not change the gradient.
#include <gtest/gtest.h>

#include "model/transformer.h"
#include "trainer/learner.h"

namespace rlvr::trainer {
namespace {

model::ModelConfig tiny_config() {
  model::ModelConfig c;
  c.vocab_size = 16;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.moe_intermediate_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 16;
  c.max_position_embeddings = 64;
  c.num_experts = 4;
  c.num_experts_per_tok = 2;
  return c;
}

model::Transformer tiny_model(uint64_t seed = 7) {
  model::Transformer m(tiny_config());
  model::init_weights(m.config(), m.weights(), seed, 0.1f);
  return m;
}

TrainSequence seq(std::vector<int32_t> prompt, std::vector<int32_t> completion) {
  TrainSequence s;
  s.prompt_len = int64_t(prompt.size());
  s.tokens = std::move(prompt);
  s.tokens.insert(s.tokens.end(), completion.begin(), completion.end());
  return s;
}

double total(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return s;
}

class LearnerPrecision : public ::testing::TestWithParam<model::Precision> {};

TEST_P(LearnerPrecision, GrpoRaisesPositiveAndLowersNegativeCompletions) {
  model::Transformer m = tiny_model();
  OptimizerConfig oc;
  oc.lr = 1e-2f;
  AdamW opt(m.params(), oc);
  LearnerOptions lo;
  lo.precision = GetParam();
  const std::vector<TrainSequence> seqs = {seq({1, 2, 3}, {4, 5, 6}), seq({1, 2, 3}, {7, 8, 9})};
  const auto before = completion_logprobs(m, seqs, lo);
  std::vector<GrpoSample> samples(2);
  samples[0].seq = seqs[0];
  samples[0].advantage = 1.0f;
  samples[1].seq = seqs[1];
  samples[1].advantage = -1.0f;
  GrpoUpdateOptions upd;
  for (int i = 0; i < 3; ++i) grpo_update(m, opt, nullptr, samples, upd, lo, [&](int64_t) { return oc.lr; });
  const auto after = completion_logprobs(m, seqs, lo);
  EXPECT_GT(total(after[0]), total(before[0]) + 0.1);
  EXPECT_LT(total(after[1]), total(before[1]) - 0.1);
}

TEST_P(LearnerPrecision, SftLowersTheCrossEntropy) {
  model::Transformer m = tiny_model();
  OptimizerConfig oc;
  oc.lr = 1e-2f;
  AdamW opt(m.params(), oc);
  LearnerOptions lo;
  lo.precision = GetParam();
  const std::vector<TrainSequence> batch = {seq({1, 2}, {3, 4, 5}), seq({6}, {7, 8}), seq({9, 10, 11}, {12})};
  const double first = sft_step(m, opt, batch, oc.lr, lo).loss;
  double last = first;
  for (int i = 0; i < 20; ++i) last = sft_step(m, opt, batch, oc.lr, lo).loss;
  EXPECT_LT(last, first * 0.5);
}

INSTANTIATE_TEST_SUITE_P(Precisions, LearnerPrecision,
                         ::testing::Values(model::Precision::FP32, model::Precision::BF16, model::Precision::FP8));

TEST(Learner, MicroBatchingKeepsTheGradient) {
  const std::vector<TrainSequence> batch = {seq({1, 2}, {3, 4, 5}), seq({6}, {7, 8}), seq({9, 10, 11}, {12, 13})};
  std::vector<std::vector<float>> grads;
  for (int64_t micro : {int64_t(1), int64_t(1000)}) {
    model::Transformer m = tiny_model();
    OptimizerConfig oc;
    oc.lr = 0.0f;
    oc.grad_clip = 0.0f;
    AdamW opt(m.params(), oc);
    LearnerOptions lo;
    lo.precision = model::Precision::FP32;
    lo.micro_batch_tokens = micro;
    sft_step(m, opt, batch, 0.0f, lo);
    std::vector<float> g;
    for (auto& p : m.params())
      if (p.trainable && p.grad->defined()) g.insert(g.end(), p.grad->data<float>(), p.grad->data<float>() + p.grad->numel());
    grads.push_back(std::move(g));
  }
  ASSERT_EQ(grads[0].size(), grads[1].size());
  for (size_t i = 0; i < grads[0].size(); ++i) ASSERT_NEAR(grads[0][i], grads[1][i], 1e-5f + 1e-4f * std::abs(grads[1][i])) << i;
}

TEST(Learner, PackMicroBatchesRespectsTheTokenBudget) {
  const std::vector<TrainSequence> s = {seq({1}, {2, 3}), seq({1}, {2}), seq({1, 2, 3, 4}, {5, 6}), seq({1}, {2})};
  const auto mb = pack_micro_batches(s, {0, 1, 2, 3}, 5);
  ASSERT_EQ(mb.size(), 3u);
  EXPECT_EQ(mb[0], (std::vector<size_t>{0, 1}));
  EXPECT_EQ(mb[1], (std::vector<size_t>{2}));  // 6 tokens: alone
  EXPECT_EQ(mb[2], (std::vector<size_t>{3}));
}

}  // namespace
}  // namespace rlvr::trainer
