// Router replay in the model: the cached pass records the experts the full forward chooses, and
// a forward given recorded choices takes them (tokens without a record route live) while
// counting how often its own choice would have been the same.
#include <gtest/gtest.h>

#include <vector>

#include "model/kv_cache.h"
#include "model/transformer.h"
#include "testsupport/route_records.h"
#include "testsupport/small_moe.h"

using namespace rlvr;
using namespace rlvr::model;
using testsupport::expert_choices;

namespace {

// Two MoE layers of 8 experts, top-2, a shared expert.
Transformer model(uint64_t seed) {
  ModelConfig c = testsupport::small_moe();
  c.mlp_only_layers = {};
  c.num_experts = 8;
  Transformer m(c);
  init_weights(m.config(), m.weights(), seed, 0.3f);
  return m;
}

std::vector<int32_t> values(const Tensor& t) { return {t.data<int32_t>(), t.data<int32_t>() + t.numel()}; }

TEST(RouteReplay, CachedPassRecordsWhatTheForwardChooses) {
  Transformer m = model(1);
  const std::vector<int32_t> seq = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<int32_t> prompt(seq.begin(), seq.end() - 1);
  KvCache kv(m.config(), 1, 16);
  Tensor prefill, decode;
  m.forward_cached(Batch::pack({prompt}), {0}, kv, Precision::FP32, CachedPass::Prefill, false, &prefill);
  m.forward_cached(Batch::pack({{seq.back()}}), {0}, kv, Precision::FP32, CachedPass::Decode, false, &decode);
  ASSERT_EQ(prefill.shape(), (Shape{2, 7, 2}));
  ASSERT_EQ(decode.shape(), (Shape{2, 1, 2}));
  ForwardCache cache;
  m.forward(Batch::pack({seq}), Precision::FP32, &cache);
  const std::vector<int32_t> full = expert_choices(cache), pre = values(prefill), dec = values(decode);
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t t = 0; t < 8; ++t)
      for (int64_t j = 0; j < 2; ++j)
        EXPECT_EQ(full[size_t((l * 8 + t) * 2 + j)], t < 7 ? pre[size_t((l * 7 + t) * 2 + j)] : dec[size_t(l * 2 + j)])
            << "layer " << l << ", token " << t;
}

TEST(RouteReplay, ReplayTakesTheRecordedExperts) {
  // Model 1's choices replayed in model 2 (other weights, other routing), over two packed
  // sequences; the second sequence's first two tokens have no record.
  const Batch plain = Batch::pack({{3, 1, 4, 1, 5}, {9, 2, 6, 5}});
  const int64_t T = plain.n_tokens();
  Transformer b = model(2);
  const Tensor routes =
      testsupport::foreign_routes(b.config(), plain, 1, 0.3f, [](int64_t t) { return t != 5 && t != 6; });
  const std::vector<int32_t> rec = values(routes);
  ForwardCache cb;
  b.forward(plain, Precision::FP32, &cb);
  const std::vector<int32_t> live = expert_choices(cb);
  ASSERT_NE(rec, live);
  int64_t same = 0;  // (token, layer) pairs with a record whose choice model 2 makes live
  std::vector<int32_t> replayed = live;
  for (int64_t i = 0; i < 2 * T; ++i) {
    const int32_t* x = &rec[size_t(i * 2)];
    const int32_t* y = &live[size_t(i * 2)];
    if (x[0] < 0) continue;
    same += (x[0] == y[0] && x[1] == y[1]) || (x[0] == y[1] && x[1] == y[0]);
    replayed[size_t(i * 2)] = x[0], replayed[size_t(i * 2 + 1)] = x[1];
  }
  for (bool replay : {false, true}) {
    Batch batch = plain;
    batch.routes = routes;
    batch.replay_routes = replay;
    ForwardCache c;
    RouterStats stats;
    const Tensor logits = b.forward(batch, Precision::FP32, &c, &stats);
    EXPECT_EQ(stats.route_records, 2 * (T - 2));
    EXPECT_EQ(expert_choices(c), replay ? replayed : live);
    // With replay, layer 2's live choice comes from replayed inputs: compared, but not `same`.
    if (!replay) {
      EXPECT_EQ(stats.route_matches, same);
      EXPECT_EQ(logits.to_floats(), b.forward(plain, Precision::FP32).to_floats());
    }
  }
}

}  // namespace
