// ZeRO-3 in one process (the single communicator): a model with its parameters held in slices
// trains like ZeRO-1, holds nothing between passes, and misuse is named.
#include <gtest/gtest.h>

#include "tests/parallel/zero3_model_checks.h"

namespace rlvr::parallel {
namespace {

TEST(ParamShards, ModelWithParametersInSlicesTrainsLikeZero1) {
  const auto comm = make_single_communicator();
  testing::check_zero3_model(*comm, model::Precision::FP32, testing::kZero3Fp32);
  testing::check_zero3_model(*comm, model::Precision::FP8, testing::kZero3Fp8);
}

void check_whole_copy(const model::ModelConfig& cfg) {
  const auto comm = make_single_communicator();
  model::Transformer whole(cfg), sliced(cfg);
  model::init_weights(cfg, whole.weights(), 3, 0.05f);
  model::init_weights(cfg, sliced.weights(), 3, 0.05f);
  ShardedAdamW opt(*comm, testing::zero_params(sliced), {}, {.shard_params = true});
  ParamShards shards(sliced, opt);
  model::Transformer copy(cfg, shards.whole_copy(model::Precision::FP8));
  EXPECT_EQ(testing::held_bytes(sliced), 0u);
  size_t f32_linear = 0, fp8_bytes = 0;
  for (model::ParamRef& p : copy.params())
    if (p.linear) f32_linear += p.value->defined() ? 1 : 0, fp8_bytes += p.linear->copies_bytes();
  EXPECT_EQ(f32_linear, 0u) << "Linear weights left in F32";
  EXPECT_GT(fp8_bytes, 0u);
  const model::Batch prompt = model::Batch::pack({{1, 2, 3, 4, 5}});
  model::KvCache kv_whole(cfg, 1, 16), kv_copy(cfg, 1, 16);
  const Tensor want = whole.forward_cached(prompt, {0}, kv_whole, model::Precision::FP8, model::CachedPass::Prefill);
  const Tensor got = copy.forward_cached(prompt, {0}, kv_copy, model::Precision::FP8, model::CachedPass::Prefill);
  EXPECT_EQ(got.to_floats(), want.to_floats()) << "prefill";
  const model::Batch next = model::Batch::pack({{6}});
  EXPECT_EQ(copy.forward_cached(next, {0}, kv_copy, model::Precision::FP8, model::CachedPass::Decode).to_floats(),
            whole.forward_cached(next, {0}, kv_whole, model::Precision::FP8, model::CachedPass::Decode).to_floats())
      << "decode";
}

// The same with the models, slices and unit buffers on the GPU (ZeRO-1 on the GPU alike).
TEST(ParamShards, OnTheGpuTrainsLikeZero1) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA device";
  const auto comm = make_single_communicator();
  testing::check_zero3_model(*comm, model::Precision::FP32, testing::kZero3Fp32, Device::CUDA);
  testing::check_zero3_model(*comm, model::Precision::FP8, testing::kZero3Fp8, Device::CUDA);
}

// The rollout's copy: gathered unit by unit, its Linears as FP8 blocks alone; it decodes the same
// logits as the whole model in FP8, and the sliced model holds nothing after.
TEST(ParamShards, WholeCopyKeepsOnlyTheRolloutCopiesAndDecodesTheSame) {
  for (const model::ModelConfig& cfg : {testsupport::small_moe(), testsupport::small_deepseek()}) {
    SCOPED_TRACE(cfg.uses_mla() ? "DeepSeek-V3 shape" : "Qwen3-MoE shape");
    check_whole_copy(cfg);
  }
}

TEST(ParamShards, DecodeOnASlicedModelIsRefused) {
  const auto comm = make_single_communicator();
  const model::ModelConfig cfg = testsupport::small_moe();
  model::Transformer m(cfg);
  ShardedAdamW opt(*comm, testing::zero_params(m), {}, {.shard_params = true});
  ParamShards shards(m, opt);
  model::KvCache kv(cfg, 1, 16, Device::CPU);
  try {
    m.forward_cached(model::Batch::pack({{1, 2}}), {0}, kv, model::Precision::FP32, model::CachedPass::Prefill);
    FAIL() << "decode ran on a model held in slices";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("held in shards"), std::string::npos) << e.what();
  }
}

TEST(ParamShards, AnOptimizerWithoutShardParamsIsRefused) {
  const auto comm = make_single_communicator();
  model::Transformer m(testsupport::small_moe());
  ShardedAdamW opt(*comm, testing::zero_params(m), {});
  EXPECT_THROW(ParamShards(m, opt), Error);
}

}  // namespace
}  // namespace rlvr::parallel
