// Sampling: Philox known answers, seeded reproducibility, batch independence, top-k / top-p
// support (tokens outside never drawn), greedy, full-distribution logprobs (and
// sampling_logprobs: any token under the filtered, renormalized distribution), non-finite rows,
// and the empirical distribution against softmax (fixed seeds: deterministic, never flaky).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "kernels/ops.h"
#include "kernels/philox.h"
#include "tests/kernels/op_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace rlvr::test {
namespace {

// Known-answer vectors of Random123's kat_vectors for philox4x32_10.
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (PhiloxBlock{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
            (PhiloxBlock{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxBlock{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

struct Draws { std::vector<int32_t> tokens; std::vector<float> logprobs; };

// B rows of the same logits row [V], row b keyed by (stream b + stream0, counter c0 + b).
Draws draw(const Vec& row, int64_t B, const SamplingParams& p, uint64_t stream0 = 0, uint64_t counter0 = 0) {
  const int64_t V = int64_t(row.size());
  Vec all;
  for (int64_t b = 0; b < B; ++b) all.insert(all.end(), row.begin(), row.end());
  std::vector<uint64_t> streams, counters;
  for (int64_t b = 0; b < B; ++b) {
    streams.push_back(stream0 + uint64_t(b) % 7);
    counters.push_back(counter0 + uint64_t(b));
  }
  Tensor tokens = Tensor::empty({B}, DType::I32), logprobs = Tensor::empty({B}, DType::F32);
  sample_tokens(tokens, logprobs, f32({B, V}, all), p, streams, counters);
  return {std::vector<int32_t>(tokens.data<int32_t>(), tokens.data<int32_t>() + B),
          std::vector<float>(logprobs.data<float>(), logprobs.data<float>() + B)};
}

Vec log_softmax(const Vec& row, double temperature) {
  Vec z(row.size());
  for (size_t i = 0; i < row.size(); ++i) z[i] = row[i] / temperature;
  const double l = ref::lse_row(z, 0, int64_t(z.size()));
  for (double& x : z) x -= l;
  return z;
}

TEST(Sampling, SameSeedSameTokensOtherSeedOtherTokens) {
  Rng rng(5);
  const Vec row = rng.floats(300, -3, 3);
  SamplingParams p{0.8f, 0, 1.0f, 42};
  const Draws a = draw(row, 64, p), b = draw(row, 64, p);
  EXPECT_EQ(a.tokens, b.tokens);
  p.seed = 43;
  const Draws c = draw(row, 64, p);
  EXPECT_NE(a.tokens, c.tokens);
}

TEST(Sampling, RowDoesNotDependOnTheRestOfTheBatch) {
  Rng rng(6);
  const int64_t B = 9, V = 130;
  const Vec logits = rng.floats(B * V, -4, 4);
  std::vector<uint64_t> streams, counters;
  for (int64_t b = 0; b < B; ++b) {
    streams.push_back(1000 + uint64_t(b) * 3);
    counters.push_back(uint64_t(b) * 11);
  }
  for (const SamplingParams& p : {SamplingParams{1.0f, 0, 1.0f, 7}, SamplingParams{0.7f, 20, 0.9f, 7}}) {
    Tensor tokens = Tensor::empty({B}, DType::I32), logprobs = Tensor::empty({B}, DType::F32);
    sample_tokens(tokens, logprobs, f32({B, V}, logits), p, streams, counters);
    for (int64_t b = 0; b < B; ++b) {
      Tensor t1 = Tensor::empty({1}, DType::I32), l1 = Tensor::empty({1}, DType::F32);
      const Vec row(logits.begin() + b * V, logits.begin() + (b + 1) * V);
      sample_tokens(t1, l1, f32({1, V}, row), p, {streams[size_t(b)]}, {counters[size_t(b)]});
      EXPECT_EQ(t1.data<int32_t>()[0], tokens.data<int32_t>()[b]) << "row " << b;
      EXPECT_EQ(l1.data<float>()[0], logprobs.data<float>()[b]) << "row " << b;
    }
  }
}

TEST(Sampling, TopKNeverDrawsOutsideTheKMostLikely) {
  Rng rng(7);
  const Vec row = rng.floats(50, -2, 2);
  const Draws d = draw(row, 3000, {1.0f, 5, 1.0f, 1});
  std::vector<int> order(row.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return row[size_t(a)] > row[size_t(b)]; });
  const std::set<int32_t> allowed(order.begin(), order.begin() + 5);
  const std::set<int32_t> seen(d.tokens.begin(), d.tokens.end());
  EXPECT_EQ(seen, allowed);  // inside only, and every one of the five drawn
  // Logprobs are over the full, unfiltered distribution.
  const Vec lp = log_softmax(row, 1.0);
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(d.logprobs[i], lp[size_t(d.tokens[i])], 1e-5);
}

TEST(Sampling, TopPKeepsTheSmallestNucleus) {
  // Probabilities 0.4, 0.3, 0.15, 0.1, 0.05: top_p 0.8 keeps {0, 1, 2} (0.85 >= 0.8), never 3 or 4.
  const Vec probs{0.3, 0.05, 0.4, 0.15, 0.1};
  Vec row;
  for (double q : probs) row.push_back(std::log(q));
  const Draws d = draw(row, 4000, {1.0f, 0, 0.8f, 3});
  const std::set<int32_t> seen(d.tokens.begin(), d.tokens.end());
  EXPECT_EQ(seen, (std::set<int32_t>{0, 2, 3}));
  // Inside the nucleus the odds keep their ratios: 0.4 : 0.3 : 0.15 of 0.85.
  int n2 = 0;
  for (int32_t t : d.tokens) n2 += t == 2;
  EXPECT_NEAR(double(n2) / 4000.0, 0.4 / 0.85, 0.03);
  // top_k then top_p: top_k 2 leaves {2, 0} with mass 0.7; top_p 0.5 of that keeps only 2.
  const Draws e = draw(row, 500, {1.0f, 2, 0.5f, 3});
  for (int32_t t : e.tokens) ASSERT_EQ(t, 2);
}

TEST(Sampling, TopPBreaksTiesAtTheThresholdByLowerId) {
  // 0.4, 0.2, 0.2, 0.2 with top_p 0.5: the sorted prefix (value desc, id asc) is {0, 1}.
  const Vec row{std::log(0.4), std::log(0.2), std::log(0.2), std::log(0.2)};
  const Draws d = draw(row, 2000, {1.0f, 0, 0.5f, 11});
  const std::set<int32_t> seen(d.tokens.begin(), d.tokens.end());
  EXPECT_EQ(seen, (std::set<int32_t>{0, 1}));
}

TEST(Sampling, TopPOnAFlatLargeVocabularyStaysInsideTheNucleus) {
  // A flat distribution over 20000 tokens: the nucleus holds thousands of tokens.
  Rng rng(12);
  const Vec row = rng.floats(20000, -3, 3);
  const float top_p = 0.7f;
  std::vector<int> order(row.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return row[size_t(a)] > row[size_t(b)] || (row[size_t(a)] == row[size_t(b)] && a < b); });
  double mass = 0.0, cum = 0.0;
  for (double x : row) mass += std::exp(x);
  std::vector<char> inside(row.size(), 0);
  size_t n_inside = 0;
  while (cum < top_p * mass) {
    cum += std::exp(row[size_t(order[n_inside])]);
    inside[size_t(order[n_inside++])] = 1;
  }
  const Draws d = draw(row, 3000, {1.0f, 0, top_p, 13});
  size_t in_lower_half = 0;
  const double median_logit = row[size_t(order[n_inside / 2])];
  for (int32_t t : d.tokens) {
    // A token within float rounding of the threshold may fall either way; none further out.
    if (!inside[size_t(t)]) {
      ASSERT_NEAR(row[size_t(t)], row[size_t(order[n_inside - 1])], 1e-5) << t;
    }
    in_lower_half += row[size_t(t)] < median_logit;
  }
  EXPECT_GT(n_inside, 1000u);
  EXPECT_GT(in_lower_half, 300u);  // the low-probability end of the nucleus is drawn too
}

TEST(Sampling, GreedyTakesTheArgmaxWithItsTemperatureOneLogprob) {
  Rng rng(8);
  const Vec row = rng.floats(130, -3, 3);
  const int32_t argmax = int32_t(std::max_element(row.begin(), row.end()) - row.begin());
  const Vec lp = log_softmax(row, 1.0);
  for (float temperature : {0.0f, 1e-39f}) {  // the second overflows logits / temperature
    const Draws d = draw(row, 4, {temperature, 0, 1.0f, 9});
    for (size_t b = 0; b < 4; ++b) {
      EXPECT_EQ(d.tokens[b], argmax) << temperature;
      EXPECT_NEAR(d.logprobs[b], lp[size_t(argmax)], 1e-5) << temperature;
    }
  }
}

// Pearson chi-square of N draws against softmax(row / temperature); with these fixed seeds the
// statistic is a fixed number, checked against the 0.999 quantile of chi2 with 5 degrees of
// freedom (20.5): a wrong distribution (e.g. a missed temperature) lands far above it.
TEST(Sampling, EmpiricalDistributionMatchesSoftmax) {
  const Vec row{1.0, 0.2, -0.5, 2.0, 0.0, -1.5};
  for (double temperature : {1.0, 0.5, 2.0}) {
    const int64_t N = 60000;
    const Draws d = draw(row, N, {float(temperature), 0, 1.0f, 2026}, 0, 12345);
    const Vec lp = log_softmax(row, temperature);
    std::vector<double> count(row.size(), 0.0);
    for (int32_t t : d.tokens) count[size_t(t)] += 1.0;
    double chi2 = 0.0;
    for (size_t v = 0; v < row.size(); ++v) {
      const double expected = double(N) * std::exp(lp[v]);
      chi2 += (count[v] - expected) * (count[v] - expected) / expected;
    }
    EXPECT_LT(chi2, 20.5) << "temperature " << temperature;
    for (size_t b = 0; b < 10; ++b) EXPECT_NEAR(d.logprobs[b], lp[size_t(d.tokens[b])], 1e-5);
  }
}

// sampling_logprobs of every token of a row: the drawn tokens' reported logprobs, -inf outside
// the support, and a distribution over the support (its probabilities sum to 1).
TEST(Sampling, SamplingLogprobsEvaluatesAnyTokenUnderTheSamplingDistribution) {
  Rng rng(21);
  const Vec row = rng.floats(40, -2, 2);
  const int64_t V = int64_t(row.size());
  for (const SamplingParams& p : {SamplingParams{0.6f, 0, 1.0f, 5}, SamplingParams{1.0f, 7, 1.0f, 5},
                                  SamplingParams{1.3f, 0, 0.7f, 5}, SamplingParams{0.9f, 10, 0.8f, 5},
                                  SamplingParams{0.0f, 3, 0.5f, 5}}) {
    Vec all;
    std::vector<int32_t> targets;
    for (int64_t v = 0; v < V; ++v) {
      all.insert(all.end(), row.begin(), row.end());
      targets.push_back(int32_t(v));
    }
    Tensor lp = Tensor::empty({V}, DType::F32);
    sampling_logprobs(lp, f32({V, V}, all), i32({V}, targets), p);
    const float* l = lp.data<float>();
    double mass = 0;
    int64_t inside = 0;
    for (int64_t v = 0; v < V; ++v) {
      if (l[v] == -INFINITY) continue;
      mass += std::exp(double(l[v]));
      ++inside;
    }
    const bool greedy = p.temperature == 0.0f;
    EXPECT_NEAR(mass, 1.0, 1e-4) << p.temperature << " " << p.top_k << " " << p.top_p;
    if (greedy || (p.top_k == 0 && p.top_p >= 1.0f)) {
      EXPECT_EQ(inside, V);  // the full softmax
    }
    if (p.top_k > 0 && !greedy) {
      EXPECT_LE(inside, p.top_k);
    }
    if (p.top_p < 1.0f && !greedy) {
      EXPECT_LT(inside, V);
    }
    if (!greedy && p.top_k == 0 && p.top_p >= 1.0f) {
      const Vec want = log_softmax(row, p.temperature);
      for (int64_t v = 0; v < V; ++v) EXPECT_NEAR(l[v], want[size_t(v)], 1e-5) << v;
    }
    // Every drawn token is inside; its full-distribution log-prob (what sample_tokens reports)
    // is the support's log-prob shifted by the support's log-mass, the same for every token.
    const Draws d = draw(row, 200, p);
    const double shift = double(l[d.tokens[0]]) - d.logprobs[0];
    for (size_t b = 0; b < d.tokens.size(); ++b) {
      ASSERT_NE(l[d.tokens[b]], -INFINITY) << d.tokens[b];
      EXPECT_NEAR(double(l[d.tokens[b]]) - d.logprobs[b], shift, 1e-5);
    }
  }
  // A row without a finite logit, or a target outside the vocabulary, gives NaN.
  Tensor lp = Tensor::empty({2}, DType::F32);
  sampling_logprobs(lp, f32({2, 3}, {NAN, INFINITY, -INFINITY, 0.0, 1.0, 2.0}), i32({2}, {0, 3}),
                    SamplingParams{1.0f, 0, 0.9f, 0});
  EXPECT_TRUE(std::isnan(lp.data<float>()[0]));
  EXPECT_TRUE(std::isnan(lp.data<float>()[1]));
}

TEST(Sampling, NonFiniteLogitsAreNeverDrawnAndAllNonFiniteRowsStop) {
  const Vec row{NAN, 0.0, INFINITY, 0.5, -INFINITY};
  const Draws d = draw(row, 500, {1.0f, 0, 1.0f, 4});
  for (int32_t t : d.tokens) ASSERT_TRUE(t == 1 || t == 3) << t;
  for (const SamplingParams& p : {SamplingParams{1.0f, 0, 1.0f, 4}, SamplingParams{0.0f, 0, 1.0f, 4},
                                  SamplingParams{1.0f, 3, 0.5f, 4}}) {
    const Draws bad = draw({NAN, INFINITY, -INFINITY}, 2, p);
    EXPECT_EQ(bad.tokens, (std::vector<int32_t>{-1, -1}));
    EXPECT_TRUE(std::isnan(bad.logprobs[0]));
  }
}

}  // namespace
}  // namespace rlvr::test
