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
