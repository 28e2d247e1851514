// NCCL at world size 1 through the code paths the trainer uses: every collective against the
// serial result, the expert-parallel layer and a whole expert-parallel model (on CPU tensors
// with host buffers staged through the GPU by parallel/host_staged.h, and on the GPU itself). Skips without NCCL or a GPU; the stager
// itself is checked over the single-process backend everywhere.
#include <gtest/gtest.h>

#include "parallel/host_staged.h"
#include "tests/parallel/collective_checks.h"
#include "tests/parallel/ep_model_checks.h"
#include "tests/parallel/ep_moe_checks.h"

namespace rlvr::parallel {
namespace {

TEST(HostStaged, OverSingleProcessEveryCollectiveMatchesSerial) {
  auto single = make_single_communicator();
  HostStagedCommunicator comm(*single, Device::CPU);  // forced copies through host scratch
  testing::check_every_collective(comm);
}

std::unique_ptr<Communicator> nccl_world_one() {
  CommOptions opt;
  opt.backend = Backend::Nccl;
  opt.cuda_device = 0;
  return make_communicator(opt, LaunchEnv{});
}

TEST(NcclWorldOne, EveryCollectiveMatchesSerial) {
  if (!nccl_available() || !cuda_available()) GTEST_SKIP() << "needs NCCL and a CUDA device";
  auto nccl = nccl_world_one();
  EXPECT_EQ(nccl->backend(), "nccl");
  EXPECT_TRUE(nccl->device_buffers());
  HostStagedCommunicator comm(*nccl);
  testing::check_every_collective(comm);
}

TEST(NcclWorldOne, ExpertParallelLayerAndModel) {
  if (!nccl_available() || !cuda_available()) GTEST_SKIP() << "needs NCCL and a CUDA device";
  auto nccl = nccl_world_one();
  // The layer straight on NCCL (it stages its exchanges through the device itself) ...
  testing::check_ep_moe(*nccl, "softmax", model::Precision::FP32, testing::kFp32Tolerance);
  // ... and through the stager, as the model check reduces host gradients.
  HostStagedCommunicator comm(*nccl);
  testing::check_ep_moe(comm, "sigmoid", model::Precision::FP8, testing::kFp8Tolerance);
  testing::check_ep_model(comm, model::Precision::FP32, testing::kEpModelFp32);
  testing::check_ep_model(comm, model::Precision::FP8, testing::kEpModelFp8);
}

TEST(NcclWorldOne, ExpertParallelModelOnTheGpu) {
  if (!nccl_available() || !cuda_available()) GTEST_SKIP() << "needs NCCL and a CUDA device";
  auto nccl = nccl_world_one();
  HostStagedCommunicator comm(*nccl);
  // Device tensors exchanged by NCCL directly, and through host memory.
  for (Communicator* experts : {static_cast<Communicator*>(nccl.get()), static_cast<Communicator*>(&comm)}) {
    testing::check_ep_model(comm, model::Precision::FP32, testing::kEpModelFp32, Device::CUDA, experts);
    testing::check_ep_model(comm, model::Precision::FP8, testing::kEpModelFp8, Device::CUDA, experts);
  }
}

}  // namespace
}  // namespace rlvr::parallel
