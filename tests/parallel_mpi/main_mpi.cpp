// GoogleTest main for test_parallel_mpi, which ctest runs under `mpirun -np 1|2|4`: every rank runs
// every test; only rank 0 prints progress (all ranks print failures), and the exit status is
// failed when any rank failed.
#include <gtest/gtest.h>

#include <memory>

#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel::testing {

namespace {
std::unique_ptr<Communicator> g_world;
}

Communicator& mpi_world() { return *g_world; }

}  // namespace rlvr::parallel::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  rlvr::parallel::testing::g_world = rlvr::parallel::make_mpi_communicator();
  auto& world = *rlvr::parallel::testing::g_world;
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  world.all_reduce(std::span<int32_t>(&failed, 1), rlvr::parallel::ReduceOp::Max);
  if (failed && world.rank() == 0) std::fprintf(stderr, "test_parallel_mpi: a rank failed\n");
  rlvr::parallel::testing::g_world.reset();
  return failed;
}
