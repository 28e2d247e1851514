// The single-process backend against the serial results, and argument errors every backend shares.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/parallel/collective_checks.h"

namespace rlvr::parallel {
namespace {

TEST(SingleProcess, EveryCollectiveMatchesSerial) {
  auto comm = make_single_communicator();
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->size(), 1);
  testing::check_every_collective(*comm);
}

TEST(SingleProcess, BadArgumentsAreClearErrors) {
  auto comm = make_single_communicator();
  std::vector<uint8_t> bytes(4);
  std::vector<float> f(4), g(3);
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::pair<std::string, std::string> cases[] = {
      {message([&] { comm->all_reduce(std::span<uint8_t>(bytes), ReduceOp::Sum); }),
       "all_reduce: e4m3 payloads are moved, never reduced"},
      {message([&] { comm->broadcast(std::span<float>(f), 1); }), "broadcast: root 1 is not a rank of 1"},
      {message([&] { comm->reduce(std::span<float>(f), ReduceOp::Sum, 2); }), "reduce: root 2 is not a rank of 1"},
      {message([&] { comm->all_gather(std::span<const float>(f), std::span<float>(g)); }),
       "all_gather: 3 elements is not 1 ranks x 4"},
      {message([&] { comm->all_to_all(f.data(), {1, 2}, g.data(), {1}, CommDType::F32); }),
       "all_to_all: send_counts has 2 entries for 1 ranks"},
      {message([&] { comm->all_to_all(f.data(), {2}, g.data(), {1}, CommDType::F32); }),
       "rank 0 sends 2 elements to itself but expects 1"},
      {message([] { parse_backend("gloo"); }), "'gloo' (expected auto, single, mpi or nccl)"},
  };
  for (const auto& [got, want] : cases) EXPECT_NE(got.find(want), std::string::npos) << got;
}

TEST(MakeCommunicator, PicksABackendFromTheLaunchEnvironment) {
  LaunchEnv single;
  EXPECT_EQ(make_communicator({}, single)->backend(), "single");
  LaunchEnv four;
  four.world_size = 4;
  four.rank = 1;
  four.launcher = "torchrun";
  CommOptions single_opt;
  single_opt.backend = Backend::Single;
  try {
    make_communicator(single_opt, four);
    ADD_FAILURE() << "single accepted 4 ranks";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backend single cannot serve rank 1 of 4"), std::string::npos) << e.what();
  }
  if (!nccl_available()) {
    CommOptions nccl_opt;
    nccl_opt.backend = Backend::Nccl;
    EXPECT_THROW(make_communicator(nccl_opt, single), Error);
  }
}

TEST(MakeCommunicator, EnvironmentNamesTheBackend) {
  ::setenv("RLVR_COMM_BACKEND", "single", 1);
  EXPECT_EQ(make_communicator()->backend(), "single");
  ::setenv("RLVR_COMM_BACKEND", "gloo", 1);
  try {
    make_communicator();
    ADD_FAILURE() << "accepted RLVR_COMM_BACKEND=gloo";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'gloo' (expected auto, single, mpi or nccl)"), std::string::npos) << e.what();
  }
  CommOptions explicit_single;
  explicit_single.backend = Backend::Single;  // an explicit choice wins over the environment
  EXPECT_EQ(make_communicator(explicit_single)->backend(), "single");
  ::unsetenv("RLVR_COMM_BACKEND");
}

}  // namespace
}  // namespace rlvr::parallel
