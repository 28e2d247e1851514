// Every MPI collective against the serial result on random data, at the world size mpirun gave.
#include <gtest/gtest.h>

#include "tests/parallel/collective_checks.h"
#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel {
namespace {

TEST(Mpi, EveryCollectiveMatchesSerial) {
  Communicator& comm = testing::mpi_world();
  EXPECT_EQ(comm.backend(), "mpi");
  EXPECT_EQ(comm.size(), discover_launch_env().world_size);
  testing::check_every_collective(comm);
}

TEST(Mpi, AutoPicksMpiUnderMpirunWithoutAGpu) {
  const LaunchEnv env = discover_launch_env();
  EXPECT_EQ(env.launcher, "openmpi");
  EXPECT_EQ(env.rank, testing::mpi_world().rank());
  if (!nccl_available()) {
    auto comm = make_communicator();
    EXPECT_EQ(comm->backend(), "mpi");
    EXPECT_EQ(comm->rank(), env.rank);
    testing::check_all_reduce<float>(*comm, 1000, ReduceOp::Sum, 99);
  }
}

TEST(Mpi, CountsMismatchIsAnErrorNotACrash) {
  Communicator& comm = testing::mpi_world();
  std::vector<float> f(4);
  EXPECT_THROW(comm.all_to_all(f.data(), std::vector<size_t>(size_t(comm.size()) + 1), f.data(),
                               std::vector<size_t>(size_t(comm.size())), CommDType::F32),
               Error);
}

}  // namespace
}  // namespace rlvr::parallel
