// The MPI communicator shared by the tests of test_parallel_mpi (created once in main).
#pragma once

#include "parallel/communicator.h"

namespace rlvr::parallel::testing {
Communicator& mpi_world();
}
