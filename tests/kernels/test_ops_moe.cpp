// MoE ops: top-k routing against a sort-based float64 reference, the expert load, and the
// permutation's invariants (grouping, token order, padding) with gather and gated combine.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "tests/kernels/op_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace rlvr::test {
namespace {

struct RouteCase {
  int64_t T, E;
  RoutingConfig cfg;
  bool with_bias;
};

class TopkRoute : public ::testing::TestWithParam<RouteCase> {};

// Scores from a float exp and a double sum: ~1 ulp; gates add a division and the scaling.
TEST_P(TopkRoute, MatchesFloat64Reference) {
  const RouteCase& c = GetParam();
  Rng rng(uint64_t(c.T * 131 + c.E));
  const Vec logits = rng.floats(c.T * c.E, -3, 3);
  const Vec bias = c.with_bias ? rng.floats(c.E, -0.5, 0.5) : Vec{};
  const int k = c.cfg.top_k;
  Tensor ids = Tensor::empty({c.T, k}, DType::I32), gates = Tensor::empty({c.T, k}, DType::F32);
  Tensor scores = Tensor::empty({c.T, c.E}, DType::F32);
  topk_route(ids, gates, scores, f32({c.T, c.E}, logits), c.with_bias ? f32({c.E}, bias) : Tensor(), c.cfg);
  const ref::Route want = ref::topk_route(logits, bias, c.T, c.E, k, c.cfg.scoring == RouterScoring::Softmax,
                                          c.cfg.normalize, c.cfg.scaling, c.cfg.n_group, c.cfg.topk_group);
  for (int64_t i = 0; i < c.T * k; ++i) ASSERT_EQ(ids.data<int32_t>()[i], want.ids[size_t(i)]) << "slot " << i;
  EXPECT_TRUE(all_close("scores", want.scores, to_vec(scores), 1e-7, 1e-6));
  EXPECT_TRUE(all_close("gates", want.gates, to_vec(gates), 1e-7, 2e-6));

  Tensor load_i = Tensor::empty({c.E}, DType::I32), load_f = Tensor::empty({c.E}, DType::F32);
  expert_load(load_i, ids);
  expert_load(load_f, ids);
  std::vector<int32_t> want_load(size_t(c.E), 0);
  for (int32_t e : want.ids) ++want_load[size_t(e)];
  for (int64_t e = 0; e < c.E; ++e) {
    EXPECT_EQ(load_i.data<int32_t>()[e], want_load[size_t(e)]) << "expert " << e;
    EXPECT_EQ(load_f.data<float>()[e], float(want_load[size_t(e)])) << "expert " << e;
  }
}

RoutingConfig cfg(int k, RouterScoring s, bool normalize, float scaling, int n_group = 1, int topk_group = 1) {
  return {k, s, normalize, scaling, n_group, topk_group};
}

INSTANTIATE_TEST_SUITE_P(
    Table, TopkRoute,
    ::testing::Values(RouteCase{1, 1, cfg(1, RouterScoring::Softmax, true, 1.0f), false},
                      RouteCase{5, 8, cfg(2, RouterScoring::Softmax, true, 1.0f), false},
                      RouteCase{33, 8, cfg(2, RouterScoring::Softmax, false, 1.0f), false},
                      RouteCase{33, 7, cfg(3, RouterScoring::Sigmoid, true, 2.5f), true},
                      RouteCase{5, 64, cfg(8, RouterScoring::Sigmoid, true, 2.5f), true},
                      RouteCase{5, 130, cfg(6, RouterScoring::Softmax, false, 1.0f), true},
                      // group-limited (DeepSeek-V3): 8 groups of 32 choose 4; groups of one; all groups
                      RouteCase{9, 256, cfg(8, RouterScoring::Sigmoid, true, 2.5f, 8, 4), true},
                      RouteCase{33, 8, cfg(2, RouterScoring::Sigmoid, true, 2.5f, 2, 1), true},
                      RouteCase{17, 6, cfg(2, RouterScoring::Softmax, false, 1.0f, 6, 3), false},
                      RouteCase{17, 12, cfg(5, RouterScoring::Sigmoid, true, 1.0f, 4, 4), true}));

TEST(TopkRoute, GroupLimitKeepsTheBestExpertsOfTheBestGroups) {
  // Groups {0,1}, {2,3}: group 0 sums 0.9 + 0.1, group 1 sums 0.6 + 0.6. With one group allowed,
  // top-2 is {2, 3} although expert 0 has the largest score; with both groups, {0, 2}.
  const Tensor logits = Tensor::from_floats({1, 4}, {0.9f, 0.1f, 0.6f, 0.6f});
  const Tensor none;
  Tensor ids = Tensor::empty({1, 2}, DType::I32), gates = Tensor::empty({1, 2}, DType::F32);
  Tensor scores = Tensor::empty({1, 4}, DType::F32);
  topk_route(ids, gates, scores, logits, none, cfg(2, RouterScoring::Softmax, false, 1.0f, 2, 1));
  EXPECT_EQ(ids.data<int32_t>()[0], 2);
  EXPECT_EQ(ids.data<int32_t>()[1], 3);
  topk_route(ids, gates, scores, logits, none, cfg(2, RouterScoring::Softmax, false, 1.0f, 2, 2));
  EXPECT_EQ(ids.data<int32_t>()[0], 0);
  EXPECT_EQ(ids.data<int32_t>()[1], 2);
  // top_k above the experts of the allowed groups, and groups that do not divide the experts
  EXPECT_THROW(topk_route(ids, gates, scores, logits, none, cfg(2, RouterScoring::Softmax, false, 1.0f, 4, 1)), Error);
  EXPECT_THROW(topk_route(ids, gates, scores, logits, none, cfg(2, RouterScoring::Softmax, false, 1.0f, 3, 1)), Error);
}

TEST(TopkRoute, BiasChangesSelectionButNotGates) {
  // Expert 2 has the lower score but a bias that lifts it into the top-1; its gate is its score.
  const Tensor logits = Tensor::from_floats({1, 3}, {2.0f, 0.0f, 1.0f});
  const Tensor bias = Tensor::from_floats({3}, {0.0f, 0.0f, 1.0f});
  Tensor ids = Tensor::empty({1, 1}, DType::I32), gates = Tensor::empty({1, 1}, DType::F32);
  Tensor scores = Tensor::empty({1, 3}, DType::F32);
  topk_route(ids, gates, scores, logits, bias, cfg(1, RouterScoring::Sigmoid, false, 1.0f));
  EXPECT_EQ(ids.data<int32_t>()[0], 2);
  EXPECT_NEAR(gates.data<float>()[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-7);
}

TEST(ReplayRoute, TakesTheRecordedExpertsWithGatesFromTheScores) {
  // 3 tokens, 4 experts, top-2, normalized and scaled by 2: token 0's record equals its live
  // choice, token 1's differs, token 2 has none.
  const RoutingConfig c = cfg(2, RouterScoring::Softmax, true, 2.0f);
  const Tensor logits = Tensor::from_floats({3, 4}, {3, 2, 1, 0, 0, 1, 2, 3, 1, 0, 0, 2});
  Tensor ids = Tensor::empty({3, 2}, DType::I32), gates = Tensor::empty({3, 2}, DType::F32);
  Tensor scores = Tensor::empty({3, 4}, DType::F32);
  topk_route(ids, gates, scores, logits, Tensor(), c);
  const std::vector<int32_t> live(ids.data<int32_t>(), ids.data<int32_t>() + 6);
  const Vec live_gates = to_vec(gates);
  ASSERT_EQ(live, (std::vector<int32_t>{0, 1, 3, 2, 3, 0}));
  const Tensor recorded = i32({3, 2}, {1, 0, 0, 1, -1, -1});
  for (bool replay : {false, true}) {
    Tensor rids = ids.clone(), rgates = gates.clone(), counts = Tensor::zeros({2}, DType::I32);
    replay_route(rids, rgates, counts, scores, recorded, replay, c);
    EXPECT_EQ(counts.data<int32_t>()[0], 1) << "token 0's record is its live set (order aside)";
    EXPECT_EQ(counts.data<int32_t>()[1], 2) << "two tokens have a record";
    const std::vector<int32_t> got(rids.data<int32_t>(), rids.data<int32_t>() + 6);
    const std::vector<int32_t> replayed = {1, 0, 0, 1, 3, 0};
    EXPECT_EQ(got, replay ? replayed : live);
    const float* s = scores.data<float>() + 4;  // token 1's scores
    for (int j = 0; j < 2; ++j) {
      const float want = replay ? 2.0f * s[j] / (s[0] + s[1]) : float(live_gates[size_t(2 + j)]);
      EXPECT_NEAR(rgates.data<float>()[2 + j], want, 1e-6) << "token 1, choice " << j;
      EXPECT_EQ(rgates.data<float>()[4 + j], float(live_gates[size_t(4 + j)])) << "token 2 routes live";
    }
  }
  // Replaying the live choice in its own order gives the live gates bit for bit.
  Tensor rids = ids.clone(), rgates = gates.clone(), counts = Tensor::zeros({2}, DType::I32);
  replay_route(rids, rgates, counts, scores, ids, true, c);
  EXPECT_EQ(to_vec(rgates), live_gates);
  EXPECT_EQ(counts.data<int32_t>()[0], 3);
  const Tensor bad = i32({3, 2}, {0, 4, -1, -1, -1, -1});
  EXPECT_THROW(replay_route(rids, rgates, counts, scores, bad, true, c), Error);
}

struct PermCase { int64_t T, E; int k, pad_to; int64_t C; };

class Permute : public ::testing::TestWithParam<PermCase> {};

TEST_P(Permute, GroupsRowsByExpertAndCombinesBack) {
  const PermCase& c = GetParam();
  Rng rng(uint64_t(c.T * 7 + c.E * 3 + c.pad_to));
  std::vector<int32_t> ids;
  for (int64_t t = 0; t < c.T; ++t) {  // k distinct experts per token, as routing produces
    std::vector<int32_t> all(size_t(c.E));
    for (int32_t e = 0; e < c.E; ++e) all[size_t(e)] = e;
    std::shuffle(all.begin(), all.end(), rng.gen);
    ids.insert(ids.end(), all.begin(), all.begin() + c.k);
  }
  const Permutation p = make_permutation(i32({c.T, c.k}, ids), int(c.E), c.pad_to);
  ASSERT_EQ(p.offsets.size(), size_t(c.E + 1));
  const int32_t* row_of_slot = p.row_of_slot.data<int32_t>();
  const int32_t* token_of_row = p.token_of_row.data<int32_t>();
  for (int64_t e = 0; e < c.E; ++e) {
    const int64_t begin = p.offsets[size_t(e)], end = p.offsets[size_t(e) + 1];
    EXPECT_EQ((end - begin) % c.pad_to, 0) << "expert " << e;
    int64_t real = 0, last_token = -1;
    for (int64_t r = begin; r < end; ++r) {
      if (token_of_row[r] < 0) continue;
      EXPECT_EQ(real, r - begin) << "padding rows must come last in expert " << e;
      EXPECT_GT(token_of_row[r], last_token) << "tokens of expert " << e << " out of order at row " << r;
      last_token = token_of_row[r];
      ++real;
    }
    EXPECT_LT(end - begin - real, c.pad_to) << "more padding than needed for expert " << e;
  }
  for (int64_t t = 0; t < c.T; ++t)
    for (int j = 0; j < c.k; ++j) {
      const int32_t row = row_of_slot[t * c.k + j];
      EXPECT_EQ(token_of_row[row], t);
      EXPECT_TRUE(row >= p.offsets[size_t(ids[size_t(t * c.k + j)])] && row < p.offsets[size_t(ids[size_t(t * c.k + j)]) + 1]);
    }

  const Vec x = rng.floats(c.T * c.C);
  Tensor rows = Tensor::empty({p.n_rows(), c.C}, DType::F32);
  permute_rows(rows, f32({c.T, c.C}, x), p);
  for (int64_t r = 0; r < p.n_rows(); ++r)
    for (int64_t ch = 0; ch < c.C; ++ch) {
      const float want = token_of_row[r] < 0 ? 0.0f : float(x[size_t(token_of_row[r] * c.C + ch)]);
      ASSERT_EQ(rows.data<float>()[r * c.C + ch], want) << "row " << r << " channel " << ch;
    }

  // Combine: float32 sum of k gated terms.
  const Vec expert_out = rng.floats(p.n_rows() * c.C), gates = rng.floats(c.T * c.k, 0, 1);
  Tensor y = Tensor::empty({c.T, c.C}, DType::F32);
  unpermute_combine(y, f32({p.n_rows(), c.C}, expert_out), f32({c.T, c.k}, gates), p);
  const std::vector<int32_t> slots(row_of_slot, row_of_slot + c.T * c.k);
  EXPECT_TRUE(all_close("y", ref::combine(expert_out, gates, slots, c.T, c.k, c.C), to_vec(y), 1e-6, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Table, Permute,
                         ::testing::Values(PermCase{1, 1, 1, 1, 1}, PermCase{5, 4, 2, 1, 7},
                                           PermCase{33, 8, 2, 4, 128}, PermCase{5, 7, 3, 4, 130},
                                           PermCase{33, 64, 6, 16, 3}));

}  // namespace
}  // namespace rlvr::test
