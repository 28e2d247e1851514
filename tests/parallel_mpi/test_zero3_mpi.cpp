// ZeRO-3 across MPI ranks: a whole model trained with its parameters held in slices equals ZeRO-1.
#include <gtest/gtest.h>

#include "tests/parallel/zero3_model_checks.h"
#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel {
namespace {

TEST(Zero3Mpi, ModelWithParametersInSlicesTrainsLikeZero1) {
  Communicator& comm = testing::mpi_world();
  testing::check_zero3_model(comm, model::Precision::FP32, testing::kZero3Fp32);
  testing::check_zero3_model(comm, model::Precision::FP8, testing::kZero3Fp8);
}

}  // namespace
}  // namespace rlvr::parallel
