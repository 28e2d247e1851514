// The Hugging Face fixture (a tiny random Qwen3-MoE saved by transformers): our fp32 forward
// matches transformers' per-token log-probabilities to 1e-4 and its top-5 next tokens.
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

TEST(HfFixture, LogprobsMatchTransformers) {
  const std::string dir = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";
  Transformer m = Transformer::from_dir(dir);
  EXPECT_EQ(m.config().num_experts, 8);
  EXPECT_EQ(m.config().rope_theta, 10000.0f);
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
  std::printf("HF fixture: %d sequences, max |logprob - transformers| = %.2e\n", rows, worst);
}
