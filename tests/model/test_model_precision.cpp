// bf16 and fp8 (DeepSeek-V3 recipe) forward/backward stay close to the fp32 reference, on the
// small Qwen3-MoE-shaped model and its DeepSeek-V3-shaped sibling (MLA, group-limited routing).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/transformer.h"
#include "testsupport/small_moe.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {


double rel_err(const Tensor& a, const Tensor& b) {
  double num = 0, den = 0;
  const float* x = a.data<float>();
  const float* y = b.data<float>();
  for (int64_t i = 0; i < a.numel(); ++i) num += (x[i] - y[i]) * double(x[i] - y[i]), den += double(y[i]) * y[i];
  return std::sqrt(num / std::max(den, 1e-30));
}

struct RunResult {
  Tensor logits;
  std::vector<Tensor> grads;
  size_t activation_bytes;
};

RunResult run(const ModelConfig& cfg, Precision p, const Batch& b, const Tensor& dlogits) {
  Transformer m(cfg);
  init_weights(m.config(), m.weights(), 7, 0.05f);
  // Sigmoid scores of random routers sit near 0.5, where a rounding difference flips a few tokens'
  // choice and moves their output by O(1), not by rounding: selection biases 1 apart order the
  // experts for every token (the gates still come from the scores).
  for (LayerWeights& l : m.weights().layers)
    if (l.is_moe && cfg.uses_expert_bias())
      for (int64_t e = 0; e < l.moe.expert_bias.value.numel(); ++e) l.moe.expert_bias.value.data<float>()[e] = float(e);
  ForwardCache cache;
  RunResult r;
  r.logits = m.forward(b, p, &cache);
  r.activation_bytes = cache.activation_bytes();
  m.backward(dlogits, b, cache);
  for (ParamRef& pr : m.params())
    if (pr.trainable) r.grads.push_back(pr.grad->clone());
  return r;
}

}  // namespace

class ModelPrecision : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelPrecision, Bf16AndFp8TrackFp32) {
  const ModelConfig cfg = std::string(GetParam()) == "deepseek" ? testsupport::small_deepseek() : testsupport::small_moe();
  std::vector<std::vector<int32_t>> seqs(3);
  std::mt19937 rng(1);
  for (size_t s = 0; s < seqs.size(); ++s)
    for (int i = 0; i < 40 + 17 * int(s); ++i) seqs[s].push_back(int32_t(rng() % 64));
  const Batch b = Batch::pack(seqs);
  std::normal_distribution<float> nd;
  std::vector<float> dv(size_t(b.n_tokens() * 64));
  for (float& x : dv) x = nd(rng);
  const Tensor dlogits = Tensor::from_floats({b.n_tokens(), 64}, dv);

  const RunResult ref = run(cfg, Precision::FP32, b, dlogits);
  struct Expect { Precision p; double logits_tol, grad_tol; };
  // Tolerances: a GEMM's relative output error is about its operands' rounding error, which
  // does not average down with K: BF16 (8 bits) ~0.2% rms per operand, E4M3 (3 bits) ~3.6%,
  // 16x more. Errors compound over the layers (measured: bf16 0.6%, fp8 10% on the logits of
  // this random model). A wrong scale or layout gives errors of order 1.
  for (const Expect& e : {Expect{Precision::BF16, 0.015, 0.04}, Expect{Precision::FP8, 0.2, 0.6}}) {
    const RunResult r = run(cfg, e.p, b, dlogits);
    EXPECT_LT(rel_err(r.logits, ref.logits), e.logits_tol) << precision_name(e.p);
    double worst = 0;
    for (size_t i = 0; i < ref.grads.size(); ++i) worst = std::max(worst, rel_err(r.grads[i], ref.grads[i]));
    EXPECT_LT(worst, e.grad_tol) << precision_name(e.p);
    std::printf("%s %s: logits rel err %.2e, worst grad rel err %.2e, activation bytes/token %.0f\n", GetParam(), precision_name(e.p),
                rel_err(r.logits, ref.logits), worst, double(r.activation_bytes) / double(b.n_tokens()));
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ModelPrecision, ::testing::Values("qwen3_moe", "deepseek"));
