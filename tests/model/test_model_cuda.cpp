// The whole model on CUDA against the same model on the CPU: forward logits, every parameter's
// gradient and sequence log-probs in fp32, bf16 and fp8, on the same random weights and tokens,
// for the small Qwen3-MoE-shaped model and its DeepSeek-V3-shaped sibling (MLA, group routing).
// Skips cleanly without a CUDA device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/token_logprobs.h"
#include "model/transformer.h"
#include "testsupport/small_moe.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

// The precision tests' models (widths multiples of 16, cuBLASLt's FP8 K); sequence lengths that
// are not (the Linear pads tokens on CUDA).
ModelConfig model_config(const std::string& name) {
  return name == "deepseek" ? testsupport::small_deepseek() : testsupport::small_moe();
}

Batch test_batch() {
  std::mt19937 rng(9);
  std::vector<std::vector<int32_t>> seqs;
  for (int len : {13, 37, 5}) {
    std::vector<int32_t> s;
    for (int i = 0; i < len; ++i) s.push_back(int32_t(rng() % 64));
    seqs.push_back(s);
  }
  return Batch::pack(seqs);
}

// ||a - b|| / ||b|| over every element.
double rel_err(const Tensor& a_any, const Tensor& b_any) {
  const Tensor a = a_any.to(Device::CPU), b = b_any.to(Device::CPU);
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = double(a.data<float>()[i]) - b.data<float>()[i];
    num += d * d;
    den += double(b.data<float>()[i]) * b.data<float>()[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

struct ModelRun {
  Tensor logits;
  std::vector<std::pair<std::string, Tensor>> grads;
  std::vector<std::vector<float>> logprobs;
};

ModelRun run_on(const std::string& model, Device dev, Precision p) {
  Transformer m(model_config(model));
  init_weights(m.config(), m.weights(), 21, 0.05f);
  // Selection biases 1 apart: no rounding difference flips a token's experts (model/test_model_precision.cpp).
  for (LayerWeights& l : m.weights().layers)
    if (l.is_moe && m.config().uses_expert_bias())
      for (int64_t e = 0; e < l.moe.expert_bias.value.numel(); ++e) l.moe.expert_bias.value.data<float>()[e] = float(e);
  m.to(dev);
  const Batch b = test_batch();
  ForwardCache cache;
  ModelRun r;
  r.logits = m.forward(b, p, &cache);
  Tensor dlogits;
  cross_entropy(r.logits, b, std::vector<float>(size_t(b.n_tokens()), 1.0f), &dlogits);
  m.backward(dlogits, b, cache);
  for (ParamRef& pr : m.params())
    if (pr.trainable) r.grads.emplace_back(pr.name, pr.grad->to(Device::CPU));
  r.logits = r.logits.to(Device::CPU);
  r.logprobs = sequence_logprobs(m, b, p);
  return r;
}

struct PrecisionCase {
  const char* model;
  Precision p;
  // Tolerances (relative L2): fp32 and bf16 differ only by summation order (cuBLASLt vs
  // OpenBLAS, tiled attention); fp8 quantizes bit for bit alike, but an activation that lands
  // on the other side of an E4M3 rounding boundary after a differently ordered sum moves by one
  // E4M3 step (2^-4 relative), and that propagates.
  double logits_tol, grad_tol;
};

void PrintTo(const PrecisionCase& c, std::ostream* os) { *os << c.model << " " << precision_name(c.p); }

class ModelCuda : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(ModelCuda, ForwardBackwardMatchCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend): CPU only";
  const PrecisionCase pc = GetParam();
  const ModelRun cpu = run_on(pc.model, Device::CPU, pc.p), gpu = run_on(pc.model, Device::CUDA, pc.p);
  EXPECT_LT(rel_err(gpu.logits, cpu.logits), pc.logits_tol) << "logits";
  ASSERT_EQ(gpu.grads.size(), cpu.grads.size());
  for (size_t i = 0; i < cpu.grads.size(); ++i)
    EXPECT_LT(rel_err(gpu.grads[i].second, cpu.grads[i].second), pc.grad_tol) << cpu.grads[i].first;
  ASSERT_EQ(gpu.logprobs.size(), cpu.logprobs.size());
  for (size_t s = 0; s < cpu.logprobs.size(); ++s)
    for (size_t t = 0; t < cpu.logprobs[s].size(); ++t)
      EXPECT_NEAR(gpu.logprobs[s][t], cpu.logprobs[s][t], 20 * pc.logits_tol) << "sequence " << s << " token " << t;
}

INSTANTIATE_TEST_SUITE_P(Precisions, ModelCuda,
                         ::testing::Values(PrecisionCase{"qwen3_moe", Precision::FP32, 1e-5, 1e-4},
                                           PrecisionCase{"qwen3_moe", Precision::BF16, 1e-4, 1e-3},
                                           PrecisionCase{"qwen3_moe", Precision::FP8, 2e-2, 5e-2},
                                           PrecisionCase{"deepseek", Precision::FP32, 1e-5, 1e-4},
                                           PrecisionCase{"deepseek", Precision::BF16, 1e-4, 1e-3},
                                           PrecisionCase{"deepseek", Precision::FP8, 2e-2, 5e-2}),
                         [](const auto& info) {
                           return std::string(info.param.model) + "_" + precision_name(info.param.p);
                         });

}  // namespace
