// Who am I in the job: rank, world size and local rank read from the launcher's environment
// (mpirun/OpenMPI, Slurm srun, PMI, torchrun). The lookup function is a parameter so that tests
// can pass a fake environment.
#pragma once

#include <functional>
#include <string>

namespace rlvr::parallel {

struct LaunchEnv {
  int rank = 0, world_size = 1;
  int local_rank = 0, local_size = 1;  // within this node
  std::string launcher = "none";        // "openmpi", "slurm", "pmi", "torchrun", "none"
  std::string master_addr;              // torchrun only (MASTER_ADDR), else empty
  int master_port = 0;                  // torchrun only (MASTER_PORT), else 0
  std::string describe() const;         // "rank 1 of 4 (local 1 of 4) via openmpi"
};

// Returns the value of a variable or nullptr when unset (like std::getenv).
using EnvLookup = std::function<const char*(const char*)>;

// Checked in this order, the first launcher whose rank variable is set wins:
//   OpenMPI  OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK, _LOCAL_SIZE
//   torchrun RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   Slurm    SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE
//   PMI      PMI_RANK, PMI_SIZE (MPICH, Intel MPI), PMI_LOCAL_RANK, PMI_LOCAL_SIZE
// and none of them means a single process. A malformed or inconsistent value (not an integer,
// rank >= size, a size variable missing) throws rlvr::Error naming the variable.
LaunchEnv discover_launch_env(const EnvLookup& getenv);
LaunchEnv discover_launch_env();  // the process environment

}  // namespace rlvr::parallel
