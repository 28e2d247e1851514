// The KV-cached forward (prefill, then one token at a time) against the full forward on the HF
// fixture, in every precision; batch invariance of decode steps; KV cache bookkeeping errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/kv_cache.h"
#include "model/transformer.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

Transformer& fixture() {
  static Transformer m = Transformer::from_dir(std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny");
  return m;
}

std::vector<int32_t> random_tokens(int n, uint32_t seed, int vocab) {
  std::mt19937 rng(seed);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = int32_t(rng() % uint32_t(vocab));
  return t;
}

Batch one_each(const std::vector<int32_t>& tokens) {
  std::vector<std::vector<int32_t>> seqs;
  for (int32_t t : tokens) seqs.push_back({t});
  return Batch::pack(seqs);
}

}  // namespace

struct CachedCase { Precision precision; double tol; };

class KvCacheForward : public ::testing::TestWithParam<CachedCase> {};

// Prefill the first half in one call, then decode the rest token by token: every position's
// logits match the full forward's.
TEST_P(KvCacheForward, MatchesFullForward) {
  const auto [precision, tol] = GetParam();
  Transformer& m = fixture();
  const int V = m.config().vocab_size, n = 40, n_prefill = 17;
  const std::vector<int32_t> seq = random_tokens(n, 7, V);
  const Tensor full = m.forward(Batch::pack({seq}), precision);
  KvCache kv(m.config(), 3, 64);
  const int slot = 2;
  const Tensor pre = m.forward_cached(Batch::pack({{seq.begin(), seq.begin() + n_prefill}}), {slot}, kv, precision,
                                      CachedPass::Prefill, /*all_logits=*/true);
  ASSERT_EQ(pre.dim(0), n_prefill);
  EXPECT_EQ(kv.length(slot), n_prefill);
  double worst = 0;
  auto compare = [&](const float* got, int pos) {
    const float* want = full.data<float>() + int64_t(pos) * V;
    for (int v = 0; v < V; ++v) {
      worst = std::max(worst, double(std::fabs(got[v] - want[v])));
      ASSERT_NEAR(got[v], want[v], tol) << precision_name(precision) << " position " << pos << " token " << v;
    }
  };
  for (int p = 0; p < n_prefill; ++p) compare(pre.data<float>() + int64_t(p) * V, p);
  for (int p = n_prefill; p < n; ++p) {
    const Tensor step = m.forward_cached(one_each({seq[size_t(p)]}), {slot}, kv, precision, CachedPass::Decode);
    ASSERT_EQ(step.dim(0), 1);
    compare(step.data<float>(), p);
  }
  EXPECT_EQ(kv.length(slot), n);
  std::printf("%s: max |cached - full| logit = %.2e\n", precision_name(precision), worst);
}

INSTANTIATE_TEST_SUITE_P(Precisions, KvCacheForward,
                         ::testing::Values(CachedCase{Precision::FP32, 1e-4},
                                           // decode kernels sum in another order; bf16 rounding of
                                           // the activations amplifies last-bit differences
                                           CachedCase{Precision::BF16, 2e-2},
                                           // an activation on an E4M3 rounding boundary may round
                                           // the other way (one FP8 ulp, 6%)
                                           CachedCase{Precision::FP8, 0.1}),
                         [](const auto& info) { return std::string(precision_name(info.param.precision)); });

// A decode step's logits for one sequence are bit-identical whether it runs alone or batched.
TEST(KvCacheForward, DecodeStepsAreBatchInvariant) {
  Transformer& m = fixture();
  const int V = m.config().vocab_size;
  for (Precision p : {Precision::FP32, Precision::BF16, Precision::FP8}) {
    KvCache together(m.config(), 4, 32), alone(m.config(), 4, 32);
    const std::vector<std::vector<int32_t>> prompts = {random_tokens(5, 1, V), random_tokens(9, 2, V),
                                                       random_tokens(3, 3, V)};
    for (int s = 0; s < 3; ++s) {
      m.forward_cached(Batch::pack({prompts[size_t(s)]}), {s}, together, p, CachedPass::Prefill);
      m.forward_cached(Batch::pack({prompts[size_t(s)]}), {s}, alone, p, CachedPass::Prefill);
    }
    for (int step = 0; step < 4; ++step) {
      const std::vector<int32_t> next = random_tokens(3, 100 + step, V);
      const Tensor batched = m.forward_cached(one_each(next), {0, 1, 2}, together, p, CachedPass::Decode);
      for (int s = 0; s < 3; ++s) {
        const Tensor single = m.forward_cached(one_each({next[size_t(s)]}), {s}, alone, p, CachedPass::Decode);
        ASSERT_EQ(0, std::memcmp(single.raw(), batched.slice_rows(s, s + 1).raw(), size_t(V) * sizeof(float)))
            << precision_name(p) << " step " << step << " sequence " << s;
      }
    }
  }
}

TEST(KvCache, PrefixCopyAndBounds) {
  Transformer& m = fixture();
  KvCache kv(m.config(), 2, 8);
  const std::vector<int32_t> prompt = random_tokens(6, 5, m.config().vocab_size);
  m.forward_cached(Batch::pack({prompt}), {0}, kv, Precision::FP32, CachedPass::Prefill);
  kv.copy_prefix(0, 1, 4);
  EXPECT_EQ(kv.length(1), 4);
  EXPECT_EQ(0, std::memcmp(kv.keys(1, 1, 4).raw(), kv.keys(1, 0, 4).raw(), kv.keys(1, 0, 4).nbytes()));
  EXPECT_THROW(kv.copy_prefix(1, 0, 5), Error);  // slot 1 holds only 4
  EXPECT_THROW(kv.length(2), Error);
  // 6 + 3 > 8 positions: a clear error, nothing written
  EXPECT_THROW(m.forward_cached(Batch::pack({{1, 2, 3}}), {0}, kv, Precision::FP32, CachedPass::Prefill), Error);
  EXPECT_EQ(kv.length(0), 6);
  EXPECT_THROW(m.forward_cached(Batch::pack({{1}, {2}}), {0, 0}, kv, Precision::FP32, CachedPass::Decode), Error);
  EXPECT_THROW(m.forward_cached(Batch::pack({{100000}}), {0}, kv, Precision::FP32, CachedPass::Decode), Error);
}
