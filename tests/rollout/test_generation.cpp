// The rollout engine on the HF fixture model: greedy equals step-by-step argmax of the full
// forward, seeded sampling is reproducible, continuous batching changes nothing, degenerate
// sampling ends one sample only, and bad input gets an error naming prompt and parameter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

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

const std::vector<std::vector<int32_t>> kPrompts = {
    {1, 17, 300, 42}, {5}, {200, 201, 202, 203, 204, 205, 206, 207, 208}, {9, 9, 9}, {77, 400}};

GenerationParams sampling(float temperature, uint64_t seed, int n, int max_new) {
  GenerationParams p;
  p.sampling.temperature = temperature;
  p.sampling.seed = seed;
  p.n = n;
  p.max_new_tokens = max_new;
  return p;
}

void expect_same(const std::vector<Completion>& a, const std::vector<Completion>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt_index, b[i].prompt_index) << what;
    EXPECT_EQ(a[i].sample_index, b[i].sample_index) << what;
    EXPECT_EQ(a[i].tokens, b[i].tokens) << what << ": completion " << i;
    EXPECT_EQ(a[i].logprobs, b[i].logprobs) << what << ": completion " << i;
    EXPECT_EQ(a[i].finish, b[i].finish) << what << ": completion " << i;
  }
}

}  // namespace

// Greedy fp32 generation equals argmax decoding step by step through the full forward (the
// one `rlvr score` runs), and its logprobs are the full forward's log-softmax at those tokens.
TEST(Generation, GreedyMatchesStepByStepFullForward) {
  model::Transformer& m = fixture();
  const auto out = generate(m, kPrompts, sampling(0.0f, 0, 1, 12));
  ASSERT_EQ(out.size(), kPrompts.size());
  const int64_t V = m.config().vocab_size;
  for (size_t p = 0; p < kPrompts.size(); ++p) {
    std::vector<int32_t> seq = kPrompts[p];
    ASSERT_EQ(out[p].tokens.size(), 12u);
    EXPECT_EQ(out[p].finish, FinishReason::Length);
    for (size_t t = 0; t < 12; ++t) {
      const Tensor logits = m.forward(model::Batch::pack({seq}), Precision::FP32);
      const float* last = logits.data<float>() + (int64_t(seq.size()) - 1) * V;
      const int32_t argmax = int32_t(std::max_element(last, last + V) - last);
      ASSERT_EQ(out[p].tokens[t], argmax) << "prompt " << p << " step " << t;
      double lse = 0;
      for (int64_t v = 0; v < V; ++v) lse += std::exp(double(last[v]) - last[argmax]);
      EXPECT_NEAR(out[p].logprobs[t], -std::log(lse), 1e-4) << "prompt " << p << " step " << t;
      seq.push_back(argmax);
    }
  }
}

TEST(Generation, SeededSamplingIsReproducible) {
  model::Transformer& m = fixture();
  GenerationParams p = sampling(1.0f, 1234, 3, 10);
  p.sampling.top_k = 50;
  p.sampling.top_p = 0.9f;
  const auto a = generate(m, kPrompts, p), b = generate(m, kPrompts, p);
  expect_same(a, b, "same seed");
  p.sampling.seed = 1235;
  const auto c = generate(m, kPrompts, p);
  int differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i].tokens != c[i].tokens;
  EXPECT_GT(differing, int(a.size()) / 2) << "another seed should give other completions";
}

TEST(Generation, SamplesOfOnePromptDifferAtTemperatureOne) {
  const auto out = generate(fixture(), {kPrompts[0]}, sampling(1.0f, 7, 6, 16));
  std::set<std::vector<int32_t>> distinct;
  for (const auto& c : out) distinct.insert(c.tokens);
  EXPECT_EQ(distinct.size(), 6u);
  for (const auto& c : out)
    for (float lp : c.logprobs) EXPECT_TRUE(lp <= 0.0f && std::isfinite(lp));
}

// Fewer slots than samples (continuous batching, slots freed by EOS at different times) gives
// exactly the completions of one-at-a-time generation, in every precision.
TEST(Generation, ContinuousBatchingEqualsOneAtATime) {
  model::Transformer& m = fixture();
  for (Precision precision : {Precision::FP32, Precision::BF16, Precision::FP8}) {
    GenerationParams p = sampling(1.0f, 99, 3, 14);
    p.precision = precision;
    for (int id = 0; id < 512; id += 19) p.eos_ids.push_back(id);  // ~5% of tokens end a sample
    p.max_batch = 1;
    const auto one = generate(m, kPrompts, p);
    std::set<size_t> lengths;
    for (const auto& c : one) lengths.insert(c.tokens.size());
    EXPECT_GT(lengths.size(), 2u) << "samples should end at different steps";
    for (int slots : {2, 5, 64}) {
      p.max_batch = slots;
      expect_same(one, generate(m, kPrompts, p), std::string(model::precision_name(precision)) + " with " +
                                                     std::to_string(slots) + " slots");
    }
  }
}

// A data-parallel rank generating a slice of the prompts (first_prompt_index = the slice's
// start) gets exactly the completions of the whole batch generated at once.
TEST(Generation, SliceWithFirstPromptIndexEqualsWholeBatch) {
  model::Transformer& m = fixture();
  for (Precision precision : {Precision::FP32, Precision::FP8}) {
    GenerationParams p = sampling(1.0f, 4242, 2, 10);
    p.precision = precision;
    const auto whole = generate(m, kPrompts, p);
    for (size_t first : {size_t(1), size_t(3)}) {
      GenerationParams q = p;
      q.first_prompt_index = int64_t(first);
      const std::vector<std::vector<int32_t>> slice(kPrompts.begin() + long(first), kPrompts.end());
      const auto part = generate(m, slice, q);
      ASSERT_EQ(part.size(), whole.size() - first * 2);
      for (size_t i = 0; i < part.size(); ++i) {
        const Completion& w = whole[first * 2 + i];
        EXPECT_EQ(part[i].prompt_index + int(first), w.prompt_index);
        EXPECT_EQ(part[i].tokens, w.tokens) << "slice from " << first << ", completion " << i;
        EXPECT_EQ(part[i].logprobs, w.logprobs) << "slice from " << first << ", completion " << i;
      }
    }
    GenerationParams unshifted = p;
    const std::vector<std::vector<int32_t>> tail(kPrompts.begin() + 1, kPrompts.end());
    EXPECT_NE(generate(m, tail, unshifted)[0].tokens, whole[2].tokens) << "the offset should matter";
  }
}

// on_finish sees every sample once, as it ends (an early one while others still decode), with the
// completion generate returns; the completions are those of a run without it.
TEST(Generation, OnFinishSeesEachSampleAsItEnds) {
  model::Transformer& m = fixture();
  GenerationParams p = sampling(1.0f, 7, 3, 14);
  for (int id = 0; id < 512; id += 19) p.eos_ids.push_back(id);
  p.max_batch = 64;
  const auto plain = generate(m, kPrompts, p);
  std::vector<Completion> seen;
  p.on_finish = [&](const Completion& c) { seen.push_back(c); };
  const auto out = generate(m, kPrompts, p);
  expect_same(plain, out, "with on_finish");
  ASSERT_EQ(seen.size(), out.size());
  std::set<std::pair<int, int>> ids;
  for (const Completion& c : seen) {
    ids.insert({c.prompt_index, c.sample_index});
    const Completion& o = out[size_t(c.prompt_index) * 3 + size_t(c.sample_index)];
    EXPECT_EQ(c.tokens, o.tokens);
    EXPECT_EQ(c.finish, o.finish);
  }
  EXPECT_EQ(ids.size(), out.size());
  EXPECT_LT(seen.front().tokens.size(), seen.back().tokens.size()) << "the shortest sample is handed over first";
}

TEST(Generation, EosEndsTheSampleAndIsKept) {
  model::Transformer& m = fixture();
  const auto greedy = generate(m, {kPrompts[2]}, sampling(0.0f, 0, 1, 10));
  GenerationParams p = sampling(0.0f, 0, 1, 10);
  p.eos_ids = {greedy[0].tokens[4]};
  const auto out = generate(m, {kPrompts[2]}, p);
  const auto first = std::find(greedy[0].tokens.begin(), greedy[0].tokens.end(), greedy[0].tokens[4]);
  EXPECT_EQ(out[0].finish, FinishReason::Eos);
  EXPECT_EQ(out[0].tokens, std::vector<int32_t>(greedy[0].tokens.begin(), first + 1));
}

// NaN logits for one prompt end its samples with `error`; the other prompts are untouched.
TEST(Generation, DegenerateSamplingStopsOnlyThatSequence) {
  model::Transformer m = model::Transformer::from_dir(kFixture);
  const int32_t poisoned = 333;
  float* row = m.weights().embed.value.data<float>() + int64_t(poisoned) * m.config().hidden_size;
  std::fill(row, row + m.config().hidden_size, std::numeric_limits<float>::quiet_NaN());
  const auto clean = generate(fixture(), {kPrompts[0], kPrompts[1]}, sampling(1.0f, 3, 2, 8));
  const auto out = generate(m, {kPrompts[0], {poisoned, 4}, kPrompts[1]}, sampling(1.0f, 3, 2, 8));
  ASSERT_EQ(out.size(), 6u);
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(out[size_t(2 + s)].finish, FinishReason::Error);
    EXPECT_TRUE(out[size_t(2 + s)].tokens.empty());
    EXPECT_EQ(out[size_t(s)].tokens, clean[size_t(s)].tokens);
  }
}

TEST(Generation, BadInputNamesPromptAndParameter) {
  model::Transformer& m = fixture();
  struct Case { std::vector<std::vector<int32_t>> prompts; GenerationParams params; std::string expect; };
  GenerationParams ok = sampling(1.0f, 0, 2, 4);
  auto with = [&](auto edit) { GenerationParams p = ok; edit(p); return p; };
  const std::vector<Case> cases = {
      {{{1, 2}, {}}, ok, "prompt 1: empty prompt"},
      {{{1, 2, 512}}, ok, "prompt 0: token id 512 at position 2 outside the vocabulary"},
      {{{1}, {-3}}, ok, "prompt 1: token id -3"},
      {{{1}, std::vector<int32_t>(512, 1)}, ok, "prompt 1: 512 tokens, longer than the context"},
      {{{1}}, with([](auto& p) { p.n = 0; }), "n (samples per prompt) must be at least 1, got 0"},
      {{{1}}, with([](auto& p) { p.sampling.top_p = 0.0f; }), "top_p must be in (0, 1], got 0"},
      {{{1}}, with([](auto& p) { p.sampling.top_p = 1.5f; }), "top_p must be in (0, 1], got 1.5"},
      {{{1}}, with([](auto& p) { p.sampling.temperature = -1.0f; }), "temperature must be a finite value >= 0"},
      {{{1}}, with([](auto& p) { p.sampling.top_k = -2; }), "top_k must be >= 0"},
      {{{1}}, with([](auto& p) { p.max_new_tokens = 0; }), "max_new_tokens must be at least 1"},
      {{{1}}, with([](auto& p) { p.eos_ids = {600}; }), "eos id 600 outside the vocabulary"},
      {{{1}}, with([](auto& p) { p.stop_strings = {"\n"}; }), "stop_strings need a detokenizer"},
  };
  for (const Case& c : cases) {
    try {
      generate(m, c.prompts, c.params);
      ADD_FAILURE() << "no error; expected: " << c.expect;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.expect), std::string::npos) << e.what();
    }
  }
}

TEST(Generation, ContextCapsLength) {
  model::Transformer& m = fixture();
  const std::vector<int32_t> long_prompt(510, 3);  // context 512: room for 2 tokens
  const auto out = generate(m, {long_prompt}, sampling(0.0f, 0, 1, 50));
  EXPECT_EQ(out[0].tokens.size(), 2u);
  EXPECT_EQ(out[0].finish, FinishReason::Length);
}

// A checkpoint padded past its tokenizer (the upper half of the rows here, made to dominate every distribution),
// limited to the tokenizer's ids: no sample ever draws a padding id.
TEST(Generation, NeverDrawsAnIdPastTheOutputVocabulary) {
  model::Transformer m = model::Transformer::from_dir(kFixture);
  const model::ModelConfig& c = m.config();
  const int kept = c.vocab_size / 2;
  float* head = (c.tie_word_embeddings ? m.weights().embed : m.weights().lm_head).value.data<float>();
  for (int64_t r = kept; r < c.vocab_size; ++r)
    for (int64_t k = 0; k < c.hidden_size; ++k) head[r * c.hidden_size + k] = 5.0f;
  m.limit_output_vocab(kept);
  for (Precision precision : {Precision::FP32, Precision::FP8}) {
    GenerationParams p = sampling(1.5f, 1, 4, 12);
    p.precision = precision;
    for (const Completion& out : generate(m, {{1, 2, 3}, {4, 5}}, p))
      for (int32_t id : out.tokens) EXPECT_LT(id, kept);
  }
}
