// Router replay in the model: the cached pass records the experts the full forward chooses, and
// a forward given recorded choices takes them (tokens without a record route live) while
// counting how often its own choice would have been the same.
#include <gtest/gtest.h>

#include <vector>

#include "model/kv_cache.h"
#include "model/transformer.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

// Two MoE layers, 8 experts, top-2, a shared expert.
ModelConfig two_moe_layers() {
  ModelConfig c;
  c.vocab_size = 20;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.moe_intermediate_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 16;
  c.max_position_embeddings = 32;
  c.num_experts = 8;
  c.num_experts_per_tok = 2;
  c.n_shared_experts = 1;
  return c;
}

Transformer model(uint64_t seed) {
  Transformer m(two_moe_layers());
  init_weights(m.config(), m.weights(), seed, 0.3f);
  return m;
}

// Every MoE layer's expert_ids of a forward, as [M, T, k].
std::vector<int32_t> chosen(const ForwardCache& cache) {
  std::vector<int32_t> ids;
  for (const LayerCache& l : cache.layers)
    if (l.moe.expert_ids.defined())
      ids.insert(ids.end(), l.moe.expert_ids.data<int32_t>(), l.moe.expert_ids.data<int32_t>() + l.moe.expert_ids.numel());
  return ids;
}

std::vector<int32_t> values(const Tensor& t) { return {t.data<int32_t>(), t.data<int32_t>() + t.numel()}; }

TEST(RouteReplay, CachedPassRecordsWhatTheForwardChooses) {
  Transformer m = model(1);
  const std::vector<int32_t> seq = {3, 1, 4, 1, 5, 9, 2, 6};
  KvCache kv(m.config(), 1, 16);
  Tensor prefill, decode;
  const std::vector<int32_t> prompt(seq.begin(), seq.end() - 1);
  m.forward_cached(Batch::pack({prompt}), {0}, kv, Precision::FP32, CachedPass::Prefill, false,
                   &prefill);
  m.forward_cached(Batch::pack({{seq.back()}}), {0}, kv, Precision::FP32, CachedPass::Decode, false, &decode);
  ASSERT_EQ(prefill.shape(), (Shape{2, 7, 2}));
  ASSERT_EQ(decode.shape(), (Shape{2, 1, 2}));
  ForwardCache cache;
  m.forward(Batch::pack({seq}), Precision::FP32, &cache);
  const std::vector<int32_t> full = chosen(cache), pre = values(prefill), dec = values(decode);
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
  Transformer a = model(1), b = model(2);
  ForwardCache ca, cb;
  a.forward(plain, Precision::FP32, &ca);
  b.forward(plain, Precision::FP32, &cb);
  const std::vector<int32_t> a_ids = chosen(ca), b_ids = chosen(cb);
  ASSERT_NE(a_ids, b_ids);
  std::vector<int32_t> rec = a_ids;
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t t = 5; t < 7; ++t) rec[size_t((l * T + t) * 2)] = rec[size_t((l * T + t) * 2 + 1)] = -1;
  int64_t same = 0;  // (token, layer) pairs with a record whose choice model 2 makes live
  for (int64_t l = 0; l < 2; ++l)
    for (int64_t t = 0; t < T; ++t) {
      if (t == 5 || t == 6) continue;
      const int32_t* x = &a_ids[size_t((l * T + t) * 2)];
      const int32_t* y = &b_ids[size_t((l * T + t) * 2)];
      same += (x[0] == y[0] && x[1] == y[1]) || (x[0] == y[1] && x[1] == y[0]);
    }
  for (bool replay : {false, true}) {
    Batch batch = plain;
    batch.routes = Tensor::empty({2, T, 2}, DType::I32);
    std::copy(rec.begin(), rec.end(), batch.routes.data<int32_t>());
    batch.replay_routes = replay;
    ForwardCache c;
    RouterStats stats;
    const Tensor logits = b.forward(batch, Precision::FP32, &c, &stats);
    EXPECT_EQ(stats.route_records, 2 * (T - 2));
    // With replay, layer 2's live choice comes from replayed inputs: compared, but not `same`.
    if (!replay) {
      EXPECT_EQ(stats.route_matches, same);
    }
    std::vector<int32_t> want = replay ? a_ids : b_ids;
    for (int64_t l = 0; l < 2 && replay; ++l)
      for (int64_t t = 5; t < 7; ++t)
        for (int64_t j = 0; j < 2; ++j) want[size_t((l * T + t) * 2 + j)] = b_ids[size_t((l * T + t) * 2 + j)];
    EXPECT_EQ(chosen(c), want);
    if (!replay) {
      EXPECT_EQ(logits.to_floats(), b.forward(plain, Precision::FP32).to_floats());
    }
  }
}

}  // namespace
