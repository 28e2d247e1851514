// The MPI communicator shared by the tests of test_dist_mpi (created once in main).
#pragma once

#include "dist/communicator.h"

namespace rlvr::dist::testing {
Communicator& mpi_world();
}
