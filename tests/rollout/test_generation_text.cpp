// The rollout engine with a detokenizer (stop strings kept or dropped, EOS text), its shared
// prefill, max_new_tokens, and sampling log-probs checked against the learner's log-softmax.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "model/token_logprobs.h"
#include "rollout/generation.h"

using namespace rlvr;
using namespace rlvr::rollout;
using model::Precision;

namespace {

const std::string kFixture = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";

model::Transformer& fixture() {
  static model::Transformer m = model::Transformer::from_dir(kFixture);
  return m;
}

const std::vector<std::vector<int32_t>> kPrompts = {{1, 17, 300, 42}, {5}, {200, 201, 202, 203, 204}};

// The fixture has no tokenizer: token v decodes to one or two of 'a', 'b', 'c', so that stop
// strings of a few characters often span token boundaries.
std::string piece(int32_t v) { return std::string(1, "ab"[v % 2]) + (v % 3 == 0 ? "c" : ""); }
std::string decode(std::span<const int32_t> ids) {
  std::string s;
  for (int32_t id : ids) s += piece(id);
  return s;
}

GenerationParams sampling(int n, int max_new, uint64_t seed = 11) {
  GenerationParams p;
  p.sampling.temperature = 1.0f;
  p.sampling.seed = seed;
  p.n = n;
  p.max_new_tokens = max_new;
  return p;
}

}  // namespace

// With a stop string, each sample ends at the first token after which its text holds the
// string, and its text is cut before (dropped) or after (kept) the string.
TEST(GenerationText, StopStringsKeptOrDropped) {
  model::Transformer& m = fixture();
  const GenerationParams free = sampling(3, 24);
  const auto unstopped = generate(m, kPrompts, free, decode);
  // A stop string spanning tokens 3 and 4 of the first sample: it fires in that sample for sure.
  const std::string t0 = piece(unstopped[0].tokens[3]), t1 = piece(unstopped[0].tokens[4]);
  const std::string stop = t0.substr(t0.size() - 1) + t1;
  for (bool keep : {false, true}) {
    GenerationParams p = free;
    p.stop_strings = {stop};
    p.keep_stop_string = keep;
    const auto out = generate(m, kPrompts, p, decode);
    ASSERT_EQ(out.size(), unstopped.size());
    int stopped = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      const auto& full = unstopped[i].tokens;
      size_t end = 0;  // tokens up to and including the one that completes the stop string
      size_t at = std::string::npos;
      while (end < full.size() && at == std::string::npos)
        at = decode(std::span<const int32_t>(full).first(++end)).find(stop);
      const std::string what = "sample " + std::to_string(i) + (keep ? " kept" : " dropped");
      if (at == std::string::npos) {
        EXPECT_EQ(out[i].finish, FinishReason::Length) << what;
        EXPECT_EQ(out[i].tokens, full) << what;
        EXPECT_EQ(out[i].text, decode(full)) << what;
        continue;
      }
      ++stopped;
      EXPECT_EQ(out[i].finish, FinishReason::Stop) << what;
      EXPECT_EQ(out[i].tokens, std::vector<int32_t>(full.begin(), full.begin() + long(end))) << what;
      EXPECT_EQ(out[i].logprobs.size(), end) << what;
      EXPECT_EQ(out[i].text, decode(full).substr(0, keep ? at + stop.size() : at)) << what;
    }
    EXPECT_GE(stopped, 1);
    EXPECT_EQ(out[0].finish, FinishReason::Stop);
  }
}

// The EOS token stays in the tokens (and has a logprob) but not in the text.
TEST(GenerationText, EosIsNotInTheText) {
  model::Transformer& m = fixture();
  const auto free = generate(m, {kPrompts[0]}, sampling(1, 12), decode);
  GenerationParams p = sampling(1, 12);
  p.eos_ids = {free[0].tokens[5]};
  const auto out = generate(m, {kPrompts[0]}, p, decode);
  ASSERT_EQ(out[0].finish, FinishReason::Eos);
  ASSERT_LE(out[0].tokens.size(), 6u);
  EXPECT_EQ(out[0].tokens.back(), free[0].tokens[5]);
  EXPECT_EQ(out[0].logprobs.size(), out[0].tokens.size());
  EXPECT_EQ(out[0].text, decode(std::span<const int32_t>(out[0].tokens).first(out[0].tokens.size() - 1)));
}

// Each prompt is prefilled once whatever the number of samples and slots; every later token
// comes from one decode step.
TEST(GenerationText, SamplesShareOnePrefill) {
  model::Transformer& m = fixture();
  int64_t prompt_tokens = 0;
  for (const auto& pr : kPrompts) prompt_tokens += int64_t(pr.size());
  for (int slots : {1, 2, 4, 64}) {
    GenerationParams p = sampling(4, 9);
    p.max_batch = slots;
    p.eos_ids = {3, 7, 100, 250, 401};
    GenerationStats stats;
    const auto out = generate(m, kPrompts, p, {}, &stats);
    int64_t generated = 0;
    for (const auto& c : out) generated += int64_t(c.tokens.size());
    EXPECT_EQ(stats.prefill_tokens, prompt_tokens) << slots << " slots";
    EXPECT_EQ(stats.decode_tokens, generated - int64_t(out.size())) << slots << " slots";
    EXPECT_GE(stats.decode_steps * std::min<int64_t>(slots, int64_t(out.size())), stats.decode_tokens);
  }
}

TEST(GenerationText, MaxNewTokensBoundsEveryCompletion) {
  model::Transformer& m = fixture();
  for (int max_new : {1, 2, 7}) {
    const auto out = generate(m, kPrompts, sampling(2, max_new), decode);
    for (const auto& c : out) {
      EXPECT_EQ(c.tokens.size(), size_t(max_new));
      EXPECT_EQ(c.finish, FinishReason::Length);
      EXPECT_EQ(c.text, decode(c.tokens));
    }
  }
}

// At temperature 1 the recorded logprob of every sampled token (top-k/top-p filtered sampling
// included) is the learner's: log-softmax of the full forward's logits at that token.
TEST(GenerationText, LogprobsEqualTheLearnersLogSoftmax) {
  model::Transformer& m = fixture();
  GenerationParams p = sampling(3, 10);
  p.sampling.top_k = 40;
  p.sampling.top_p = 0.9f;
  p.max_batch = 4;
  const auto out = generate(m, kPrompts, p);
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& c : out) {
    seqs.push_back(kPrompts[size_t(c.prompt_index)]);
    seqs.back().insert(seqs.back().end(), c.tokens.begin(), c.tokens.end());
  }
  const auto learner = model::sequence_logprobs(m, model::Batch::pack(seqs), Precision::FP32);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t L = kPrompts[size_t(out[i].prompt_index)].size();
    ASSERT_EQ(out[i].logprobs.size(), 10u);
    for (size_t t = 0; t < out[i].logprobs.size(); ++t)
      // 1e-4: the decode path sums in another order than the batch forward (both FP32).
      EXPECT_NEAR(out[i].logprobs[t], learner[i][L - 1 + t], 1e-4) << "completion " << i << " token " << t;
  }
}

// At another temperature the logprob is that of the tempered distribution.
TEST(GenerationText, LogprobsFollowTheTemperature) {
  model::Transformer& m = fixture();
  GenerationParams p = sampling(2, 6);
  p.sampling.temperature = 0.6f;
  const auto out = generate(m, {kPrompts[0]}, p);
  const int64_t V = m.config().vocab_size;
  for (const auto& c : out) {
    std::vector<int32_t> seq = kPrompts[0];
    for (size_t t = 0; t < c.tokens.size(); ++t) {
      const Tensor logits = m.forward(model::Batch::pack({seq}), Precision::FP32);
      const float* last = logits.data<float>() + (int64_t(seq.size()) - 1) * V;
      double mx = -INFINITY, sum = 0;
      for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(last[v]) / 0.6);
      for (int64_t v = 0; v < V; ++v) sum += std::exp(double(last[v]) / 0.6 - mx);
      EXPECT_NEAR(c.logprobs[t], double(last[c.tokens[t]]) / 0.6 - mx - std::log(sum), 1e-4) << t;
      seq.push_back(c.tokens[t]);
    }
  }
}
