// A model with more embedding rows than its tokenizer has tokens (real checkpoints pad their
// vocabulary) limited to the tokenizer's ids: logits and gradients never reach the padding rows.
#include <gtest/gtest.h>

#include <random>

#include "model/transformer.h"
#include "testsupport/small_moe.h"

namespace rlvr::model {
namespace {

constexpr int kTokens = 40;  // of the small MoE's 64 rows

Transformer padded_model() {
  ModelConfig c = testsupport::small_moe();
  c.vocab_size = 64;
  Transformer m(c);
  init_weights(c, m.weights(), 3, 0.05f);
  // The padding rows would dominate every distribution if they were sampled.
  float* head = m.weights().lm_head.value.data<float>();
  for (int64_t r = kTokens; r < c.vocab_size; ++r)
    for (int64_t k = 0; k < c.hidden_size; ++k) head[r * c.hidden_size + k] = 5.0f;
  return m;
}

TEST(OutputVocab, LogitsAndGradientsCoverTheTokenizersIdsOnly) {
  const Batch b = Batch::pack({{1, 5, 9, 2}, {7, 3, 30}});
  Transformer full = padded_model(), limited = padded_model();
  limited.limit_output_vocab(kTokens);
  ForwardCache cf, cl;
  const Tensor lf = full.forward(b, Precision::FP32, &cf), ll = limited.forward(b, Precision::FP32, &cl);
  ASSERT_EQ(ll.shape(), (Shape{b.n_tokens(), kTokens}));
  for (int64_t t = 0; t < b.n_tokens(); ++t)
    for (int64_t v = 0; v < kTokens; ++v) EXPECT_EQ(ll.data<float>()[t * kTokens + v], lf.data<float>()[t * 64 + v]);
  // The same upstream gradient on the kept columns (zero on the padding) gives the same gradients.
  std::mt19937 rng(2);
  std::normal_distribution<float> nd;
  Tensor df = Tensor::zeros({b.n_tokens(), 64}, DType::F32), dl = Tensor::empty({b.n_tokens(), kTokens}, DType::F32);
  for (int64_t t = 0; t < b.n_tokens(); ++t)
    for (int64_t v = 0; v < kTokens; ++v) df.data<float>()[t * 64 + v] = dl.data<float>()[t * kTokens + v] = nd(rng);
  full.backward(df, b, cf);
  limited.backward(dl, b, cl);
  const auto pf = full.params(), pl = limited.params();
  for (size_t i = 0; i < pf.size(); ++i) {
    if (!pf[i].trainable) continue;
    const std::vector<float> a = pf[i].grad->to_floats(), c = pl[i].grad->to_floats();
    for (size_t j = 0; j < a.size(); ++j) ASSERT_NEAR(c[j], a[j], 1e-5f * (1 + std::abs(a[j]))) << pf[i].name << "[" << j << "]";
  }
  EXPECT_THROW(limited.limit_output_vocab(65), Error);
}

}  // namespace
}  // namespace rlvr::model
