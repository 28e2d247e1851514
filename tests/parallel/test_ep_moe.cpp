// Expert-parallel MoE at world size 1 against the single-rank layer and a whole model trained
// expert-parallel against one process (test_parallel_mpi runs the same checks at 2 and 4 ranks),
// and its configuration errors.
#include <gtest/gtest.h>

#include "tests/parallel/ep_model_checks.h"
#include "tests/parallel/ep_moe_checks.h"

namespace rlvr::parallel {
namespace {

TEST(ExpertParallelMoe, WorldOneEqualsSingleRankLayer) {
  auto comm = make_single_communicator();
  for (const char* scoring : {"softmax", "sigmoid"}) {
    testing::check_ep_moe(*comm, scoring, model::Precision::FP32, testing::kFp32Tolerance);
    testing::check_ep_moe(*comm, scoring, model::Precision::FP8, testing::kFp8Tolerance);
  }
}

TEST(ExpertParallelExperts, WholeModelAtWorldOneEqualsDataParallel) {
  auto comm = make_single_communicator();
  testing::check_ep_model(*comm, model::Precision::FP32, testing::kEpModelFp32);
  testing::check_ep_model(*comm, model::Precision::FP8, testing::kEpModelFp8);
  testing::check_ep_model(*comm, model::Precision::FP32, testing::kEpModelFp32, Device::CPU, nullptr, /*replay=*/true);
}

TEST(ExpertParallelMoe, RejectsExpertCountsTheWorldDoesNotDivide) {
  auto comm = make_single_communicator();
  model::ModelConfig cfg = testing::ep_config("softmax");
  cfg.num_experts = 0;
  EXPECT_THROW(ExpertParallelExperts(*comm, cfg), Error);
  cfg = testing::ep_config("softmax");
  ExpertParallelExperts ep(*comm, cfg);
  model::MoeWeights w = testing::moe_weights(cfg, 0, 3);  // 3 of the 8 experts
  model::MoeCache cache;
  Tensor y;
  try {
    model::moe_forward(y, testing::normal({4, cfg.hidden_size}, 1, 1), w, cfg, model::Precision::FP32, ep, &cache);
    ADD_FAILURE() << "accepted 3 experts";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0 holds 3 experts, expert parallelism gives it 8"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace rlvr::parallel
