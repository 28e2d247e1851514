// Rank discovery from launcher environment variables.
#include "parallel/launch_env.h"

#include <cerrno>
#include <cstdlib>

#include "common/error.h"

namespace rlvr::parallel {

namespace {

struct Vars {
  const char* launcher;
  const char* rank;
  const char* size;
  const char* local_rank;
  const char* local_size;
};

// The launchers we know, in priority order (see the header).
constexpr Vars kLaunchers[] = {
    {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"},
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"},
    {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"},
    {"pmi", "PMI_RANK", "PMI_SIZE", "PMI_LOCAL_RANK", "PMI_LOCAL_SIZE"},
};

int parse_int(const EnvLookup& getenv, const char* name, int min_value) {
  const char* v = getenv(name);
  RLVR_CHECK(v != nullptr, "parallel", "environment variable ", name, " is not set");
  errno = 0;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  RLVR_CHECK(end != v && *end == '\0' && errno == 0 && x >= min_value && x <= 1 << 24, "parallel",
             "environment variable ", name, "='", v, "' is not an integer >= ", min_value);
  return int(x);
}

// Slurm writes SLURM_NTASKS_PER_NODE as "4" or, for uneven layouts, "4(x2),3"; only the plain
// form is a local size we can trust.
int optional_int(const EnvLookup& getenv, const char* name, int min_value, int fallback) {
  const char* v = getenv(name);
  if (v == nullptr) return fallback;
  if (std::string(name) == "SLURM_NTASKS_PER_NODE" &&
      std::string(v).find_first_not_of("0123456789") != std::string::npos)
    return fallback;
  return parse_int(getenv, name, min_value);
}

}  // namespace

std::string LaunchEnv::describe() const {
  return cat("rank ", rank, " of ", world_size, " (local ", local_rank, " of ", local_size, ") via ",
             launcher);
}

LaunchEnv discover_launch_env(const EnvLookup& getenv) {
  LaunchEnv env;
  for (const Vars& l : kLaunchers) {
    if (getenv(l.rank) == nullptr) continue;
    env.launcher = l.launcher;
    env.rank = parse_int(getenv, l.rank, 0);
    env.world_size = parse_int(getenv, l.size, 1);
    RLVR_CHECK(env.rank < env.world_size, "parallel", l.rank, "=", env.rank, " is not below ", l.size, "=",
               env.world_size);
    env.local_rank = optional_int(getenv, l.local_rank, 0, env.world_size == 1 ? 0 : -1);
    env.local_size = optional_int(getenv, l.local_size, 1, -1);
    if (env.local_rank < 0) {
      // Without a local rank the node layout is unknown: assume one rank per node (safe for
      // device selection, which is the only use).
      env.local_rank = 0;
      env.local_size = 1;
    } else if (env.local_size < 0) {
      env.local_size = env.local_rank + 1;
    }
    RLVR_CHECK(env.local_rank < env.local_size && env.local_size <= env.world_size, "parallel",
               "local rank ", env.local_rank, " (", l.local_rank, ") and local size ", env.local_size, " (",
               l.local_size, ") do not fit world size ", env.world_size);
    if (env.launcher == std::string("torchrun")) {
      if (const char* a = getenv("MASTER_ADDR")) env.master_addr = a;
      env.master_port = optional_int(getenv, "MASTER_PORT", 1, 0);
      RLVR_CHECK(env.master_port <= 65535, "parallel", "MASTER_PORT=", env.master_port, " is not a port");
    }
    return env;
  }
  return env;
}

LaunchEnv discover_launch_env() {
  return discover_launch_env([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace rlvr::parallel
