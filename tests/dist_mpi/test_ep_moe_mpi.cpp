// Expert-parallel MoE across MPI ranks (uneven tokens per rank) against the single-rank layer.
#include <gtest/gtest.h>

#include "tests/dist/ep_moe_checks.h"
#include "tests/dist_mpi/mpi_world.h"

namespace rlvr::dist {
namespace {

TEST(ExpertParallelMoeMpi, ForwardAndBackwardEqualSingleRankLayer) {
  Communicator& comm = testing::mpi_world();
  for (const char* scoring : {"softmax", "sigmoid"}) {
    testing::check_ep_moe(comm, scoring, model::Precision::FP32, testing::kFp32Tolerance);
    testing::check_ep_moe(comm, scoring, model::Precision::FP8, testing::kFp8Tolerance);
  }
}

}  // namespace
}  // namespace rlvr::dist
