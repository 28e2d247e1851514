// A rank that dies mid-run must not leave the others hanging in a collective. Disabled in the
// normal runs; ctest's parallel_mpi_rank_death runs it alone and expects mpirun to fail fast.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel {
namespace {

TEST(MpiRankDeath, DISABLED_PeersStopWhenARankExits) {
  Communicator& comm = testing::mpi_world();
  ASSERT_GE(comm.size(), 2);
  comm.barrier();
  if (comm.rank() == comm.size() - 1) std::_Exit(3);  // dies without a word to MPI
  std::vector<float> buf(1024, 1.0f);
  for (int i = 0; i < 1000000; ++i) comm.all_reduce(std::span<float>(buf), ReduceOp::Sum);  // never completes
}

}  // namespace
}  // namespace rlvr::parallel
