// Expert-parallel MoE across MPI ranks (uneven tokens per rank) against the single-rank layer,
// and a whole model trained expert-parallel against one process.
#include <gtest/gtest.h>

#include "tests/parallel/ep_model_checks.h"
#include "tests/parallel/ep_moe_checks.h"
#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel {
namespace {

TEST(ExpertParallelMoeMpi, ForwardAndBackwardEqualSingleRankLayer) {
  Communicator& comm = testing::mpi_world();
  for (const char* scoring : {"softmax", "sigmoid"}) {
    testing::check_ep_moe(comm, scoring, model::Precision::FP32, testing::kFp32Tolerance);
    testing::check_ep_moe(comm, scoring, model::Precision::FP8, testing::kFp8Tolerance);
  }
}

TEST(ExpertParallelExpertsMpi, WholeModelEqualsDataParallel) {
  Communicator& comm = testing::mpi_world();
  testing::check_ep_model(comm, model::Precision::FP32, testing::kEpModelFp32);
  testing::check_ep_model(comm, model::Precision::FP8, testing::kEpModelFp8);
  testing::check_ep_model(comm, model::Precision::FP32, testing::kEpModelFp32, Device::CPU, nullptr, /*replay=*/true);
}

}  // namespace
}  // namespace rlvr::parallel
