// Every MPI collective against the serial result on random data, at the world size mpirun gave.
#include <gtest/gtest.h>

#include "tests/dist/collective_checks.h"
#include "tests/dist_mpi/mpi_world.h"

namespace rlvr::dist {
namespace {

TEST(Mpi, EveryCollectiveMatchesSerial) {
  Communicator& comm = testing::mpi_world();
  EXPECT_EQ(comm.backend(), "mpi");
  EXPECT_EQ(comm.size(), discover_launch_env().world_size);
  testing::check_every_collective(comm);
}

TEST(Mpi, CountsMismatchIsAnErrorNotACrash) {
  Communicator& comm = testing::mpi_world();
  std::vector<float> f(4);
  EXPECT_THROW(comm.all_to_all(f.data(), std::vector<size_t>(size_t(comm.size()) + 1), f.data(),
                               std::vector<size_t>(size_t(comm.size())), CommDType::F32),
               Error);
}

}  // namespace
}  // namespace rlvr::dist
