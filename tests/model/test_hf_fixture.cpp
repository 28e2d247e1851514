// The Hugging Face fixtures (a tiny random Qwen3-MoE and a tiny random DeepSeek-V3, saved by
// transformers): our fp32 forward matches transformers' per-token log-probabilities to 1e-4 and
// its top-5 next tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/token_logprobs.h"
#include "model/transformer.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

std::string fixture_dir(const std::string& name) { return std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/" + name; }

// Every sequence of the fixture's reference.jsonl: log-probs within 1e-4, the same top-5.
void expect_matches_reference(Transformer& m, const std::string& dir) {
  std::ifstream in(dir + "/reference.jsonl");
  ASSERT_TRUE(in.good());
  int rows = 0;
  double worst = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    const std::vector<int32_t> tokens = j["tokens"].get<std::vector<int32_t>>();
    const std::vector<double> ref = j["logprobs"].get<std::vector<double>>();
    const Batch b = Batch::pack({tokens});
    const auto lp = sequence_logprobs(m, b, Precision::FP32);
    ASSERT_EQ(lp[0].size(), ref.size());
    for (size_t t = 0; t < ref.size(); ++t) {
      worst = std::max(worst, std::fabs(lp[0][t] - ref[t]));
      ASSERT_NEAR(lp[0][t], ref[t], 1e-4) << "row " << rows << " position " << t + 1;
    }
    // transformers' top-5 next tokens at the last position
    const Tensor logits = m.forward(b, Precision::FP32);
    const int64_t V = logits.dim(1);
    const float* last = logits.data<float>() + (b.n_tokens() - 1) * V;
    std::vector<int> ids(static_cast<size_t>(V));
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + 5, ids.end(), [&](int a, int c) { return last[a] > last[c]; });
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.begin() + 5), j["last_top5"].get<std::vector<int>>()) << "row " << rows;
    ++rows;
  }
  EXPECT_GT(rows, 0);
  std::printf("HF fixture %s: %d sequences, max |logprob - transformers| = %.2e\n", dir.c_str(), rows, worst);
}

}  // namespace

TEST(HfFixture, Qwen3MoeLogprobsMatchTransformers) {
  const std::string dir = fixture_dir("qwen3_moe_tiny");
  Transformer m = Transformer::from_dir(dir);
  EXPECT_EQ(m.config().num_experts, 8);
  EXPECT_EQ(m.config().rope_theta, 10000.0f);
  expect_matches_reference(m, dir);
}

// MLA with q-LoRA, interleaved RoPE, group-limited sigmoid routing with the selection bias, a
// shared expert, a first dense layer.
TEST(HfFixture, DeepseekV3LogprobsMatchTransformers) {
  const std::string dir = fixture_dir("deepseek_v3_tiny");
  Transformer m = Transformer::from_dir(dir);
  const ModelConfig& c = m.config();
  EXPECT_TRUE(c.uses_mla());
  EXPECT_EQ(c.q_lora_rank, 64);
  EXPECT_EQ(c.kv_lora_rank, 32);
  EXPECT_EQ(c.n_group, 2);
  EXPECT_EQ(c.topk_group, 1);
  EXPECT_EQ(c.scoring_func, "sigmoid");
  EXPECT_TRUE(c.rope_interleave);
  EXPECT_FALSE(c.is_moe_layer(0));
  EXPECT_TRUE(c.is_moe_layer(1));
  expect_matches_reference(m, dir);
}
