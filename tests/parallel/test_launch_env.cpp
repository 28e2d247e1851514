// Rank discovery from fake launcher environments: each launcher, priority between them, and
// the errors for malformed values.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/error.h"
#include "parallel/launch_env.h"

using rlvr::parallel::discover_launch_env;
using rlvr::parallel::LaunchEnv;

namespace {

using Env = std::map<std::string, std::string>;

LaunchEnv discover(const Env& env) {
  return discover_launch_env([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

struct GoodCase {
  const char* what;
  Env env;
  int rank, world, local_rank, local_size;
  const char* launcher;
};

TEST(LaunchEnv, DiscoversEachLauncher) {
  const GoodCase cases[] = {
      {"nothing set", {}, 0, 1, 0, 1, "none"},
      {"openmpi",
       {{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "8"}, {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
        {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}},
       3, 8, 1, 2, "openmpi"},
      {"torchrun",
       {{"RANK", "5"}, {"WORLD_SIZE", "16"}, {"LOCAL_RANK", "5"}, {"LOCAL_WORLD_SIZE", "8"},
        {"MASTER_ADDR", "node0"}, {"MASTER_PORT", "29500"}},
       5, 16, 5, 8, "torchrun"},
      {"slurm",
       {{"SLURM_PROCID", "9"}, {"SLURM_NTASKS", "16"}, {"SLURM_LOCALID", "1"}, {"SLURM_NTASKS_PER_NODE", "8"}},
       9, 16, 1, 8, "slurm"},
      {"slurm, uneven tasks per node: local size from the local id",
       {{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "7"}, {"SLURM_LOCALID", "2"}, {"SLURM_NTASKS_PER_NODE", "4(x1),3"}},
       4, 7, 2, 3, "slurm"},
      {"pmi without local rank: one rank per node assumed",
       {{"PMI_RANK", "1"}, {"PMI_SIZE", "2"}}, 1, 2, 0, 1, "pmi"},
      {"mpirun under slurm: openmpi wins",
       {{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"SLURM_PROCID", "7"},
        {"SLURM_NTASKS", "8"}},
       0, 2, 0, 1, "openmpi"},
      {"torchrun inside a slurm allocation: torchrun wins",
       {{"RANK", "2"}, {"WORLD_SIZE", "4"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}, 2, 4, 0, 1,
       "torchrun"},
  };
  for (const GoodCase& c : cases) {
    SCOPED_TRACE(c.what);
    const LaunchEnv e = discover(c.env);
    EXPECT_EQ(e.rank, c.rank);
    EXPECT_EQ(e.world_size, c.world);
    EXPECT_EQ(e.local_rank, c.local_rank);
    EXPECT_EQ(e.local_size, c.local_size);
    EXPECT_EQ(e.launcher, c.launcher);
  }
  const LaunchEnv t = discover(cases[2].env);
  EXPECT_EQ(t.master_addr, "node0");
  EXPECT_EQ(t.master_port, 29500);
  EXPECT_EQ(t.describe(), "rank 5 of 16 (local 5 of 8) via torchrun");
}

struct BadCase {
  const char* what;
  Env env;
  const char* message;  // a part of the error
};

TEST(LaunchEnv, RejectsMalformedValuesNamingTheVariable) {
  const BadCase cases[] = {
      {"size missing", {{"RANK", "0"}}, "WORLD_SIZE is not set"},
      {"not a number", {{"RANK", "one"}, {"WORLD_SIZE", "2"}}, "RANK='one' is not an integer >= 0"},
      {"trailing junk", {{"SLURM_PROCID", "1x"}, {"SLURM_NTASKS", "2"}}, "SLURM_PROCID='1x'"},
      {"negative", {{"PMI_RANK", "-1"}, {"PMI_SIZE", "2"}}, "PMI_RANK='-1'"},
      {"zero size", {{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE='0' is not an integer >= 1"},
      {"rank not below size", {{"OMPI_COMM_WORLD_RANK", "4"}, {"OMPI_COMM_WORLD_SIZE", "4"}},
       "OMPI_COMM_WORLD_RANK=4 is not below OMPI_COMM_WORLD_SIZE=4"},
      {"huge", {{"RANK", "0"}, {"WORLD_SIZE", "99999999999999999999"}}, "WORLD_SIZE='99999999999999999999'"},
      {"local rank beyond local size",
       {{"RANK", "0"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "3"}, {"LOCAL_WORLD_SIZE", "2"}},
       "local rank 3 (LOCAL_RANK) and local size 2"},
      {"bad port", {{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT=70000"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    try {
      discover(c.env);
      ADD_FAILURE() << "accepted";
    } catch (const rlvr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
