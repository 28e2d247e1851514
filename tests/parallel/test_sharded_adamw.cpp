// ZeRO-1 at world size 1 (bit for bit the plain AdamW), and optimizer checkpoints: round trip,
// 4 shards re-cut into 1, 2 and 3, and every defect named.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "parallel/sharded_adamw.h"
#include "tests/parallel/zero1_fixture.h"

namespace rlvr::parallel {
namespace {

namespace fs = std::filesystem;
using testing::ToyModel;

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("rlvr_parallel_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

TEST(ShardedAdamW, WorldOneEqualsPlainAdamWBitForBit) {
  auto comm = make_single_communicator();
  for (float clip : {0.0f, 0.5f}) {
    SCOPED_TRACE(::testing::Message() << "max_grad_norm " << clip);
    ToyModel sharded(3), serial(3);
    const AdamWParams hp{.lr = 1e-2f, .weight_decay = 0.1f};
    ShardedAdamW opt(*comm, sharded.refs(), hp, {.max_grad_norm = clip});
    for (int step = 1; step <= 3; ++step) {
      sharded.fill_grads(0, step);
      const StepStats st = opt.step();
      AdamWParams h = hp;
      h.step = step;
      serial.serial_step(1, step, h, clip);
      EXPECT_GT(st.grad_norm, 0);
      if (clip > 0) {
        EXPECT_LT(st.clip_scale, 1);
      }
    }
    EXPECT_EQ(sharded.flat(sharded.values), serial.flat(serial.values));
    EXPECT_EQ(sharded.versions[0], 4u);  // construction + 3 steps
    const Tensor m = opt.exp_avg();
    EXPECT_EQ(m.to_floats(), serial.flat(serial.m));
  }
}

// Parameters and gradients on the GPU (data-parallel GPU ranks): the shard (masters, moments)
// stays on the GPU, updated by the AdamW op's CUDA kernel, so the steps agree with the host's
// within that op's cross-backend tolerance (1e-6 + 1e-5 relative a step, tests/kernels/
// test_cross_backend.cpp; the norm adds in another order), over the single backend (host copies
// for the collectives) and, when built, over NCCL at world size 1 (device buffers); a checkpoint
// of the GPU shard loads back into a GPU shard.
TEST(ShardedAdamW, ParametersOnTheGpuStepLikeHostOnes) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA device";
  std::vector<std::unique_ptr<Communicator>> comms;
  comms.push_back(make_single_communicator());
  if (nccl_available()) {
    CommOptions nccl;
    nccl.backend = Backend::Nccl;
    nccl.cuda_device = 0;
    comms.push_back(make_communicator(nccl, LaunchEnv{}));
  }
  const auto expect_close = [](const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t k = 0; k < got.size(); ++k)
      EXPECT_NEAR(got[k], want[k], 1e-5 + 1e-4 * std::fabs(want[k])) << what << " element " << k;
  };
  for (auto& comm : comms) {
    SCOPED_TRACE(comm->backend());
    ToyModel host(3), gpu(3);
    for (Tensor& t : gpu.values) t = t.to(Device::CUDA);
    const AdamWParams hp{.lr = 1e-2f, .weight_decay = 0.1f};
    ShardedAdamW on_host(*comm, host.refs(), hp, {.max_grad_norm = 0.5f});
    ShardedAdamW on_gpu(*comm, gpu.refs(), hp, {.max_grad_norm = 0.5f});
    for (const Tensor& t : {on_gpu.master(), on_gpu.exp_avg(), on_gpu.exp_avg_sq()})
      EXPECT_EQ(t.device(), Device::CUDA) << "the shard lives on the GPU";
    for (int step = 1; step <= 3; ++step) {
      host.fill_grads(0, step);
      gpu.fill_grads(0, step);
      for (Tensor& g : gpu.grads) g = g.to(Device::CUDA);
      const float want = on_host.step().grad_norm;
      EXPECT_NEAR(on_gpu.step().grad_norm, want, 1e-6 * want) << "step " << step;
    }
    for (size_t i = 0; i < host.values.size(); ++i) {
      EXPECT_EQ(gpu.values[i].device(), Device::CUDA);
      expect_close(gpu.values[i].to(Device::CPU).to_floats(), host.values[i].to_floats(), "parameter " + std::to_string(i));
    }
    expect_close(on_gpu.exp_avg().to(Device::CPU).to(DType::F32).to_floats(), on_host.exp_avg().to(DType::F32).to_floats(),
                 "exp_avg");
    const std::string dir = temp_dir("gpu_shard_" + comm->backend());
    on_gpu.save(dir);
    ToyModel again(4);
    for (Tensor& t : again.values) t = t.to(Device::CUDA);
    ShardedAdamW resumed(*comm, again.refs(), hp, {.max_grad_norm = 0.5f});
    resumed.load(dir);
    EXPECT_EQ(resumed.master().to(Device::CPU).to_floats(), on_gpu.master().to(Device::CPU).to_floats());
    EXPECT_EQ(resumed.exp_avg_sq().to(Device::CPU).to(DType::F32).to_floats(),
              on_gpu.exp_avg_sq().to(Device::CPU).to(DType::F32).to_floats());
    for (size_t i = 0; i < gpu.values.size(); ++i)
      EXPECT_EQ(again.values[i].to(Device::CPU).to_floats(), gpu.values[i].to(Device::CPU).to_floats()) << i;
    fs::remove_all(dir);
  }
}

TEST(OptimizerCheckpoint, FourShardsLoadAtAnyWorldSize) {
  const std::string dir = temp_dir("reshard");
  const int64_t total = 1001;
  const ParamManifest params = {{"a", 600}, {"b", 401}};
  const Tensor full_master = testing::seeded({total}, 1, 1.0f);
  const Tensor full_m = testing::seeded({total}, 2, 1.0f).to(DType::BF16);
  const Tensor full_v = testing::seeded({total}, 3, 1.0f).to(DType::BF16);
  const ShardLayout four = make_shard_layout(total, 4, 32);
  for (int r = 0; r < 4; ++r) {
    OptimizerShard s{four, r, 17, params, full_master.slice_rows(four.begin(r), four.end(r)).clone(),
                     full_m.slice_rows(four.begin(r), four.end(r)).clone(),
                     full_v.slice_rows(four.begin(r), four.end(r)).clone()};
    save_optimizer_shard(dir, s);
  }
  EXPECT_EQ(checkpoint_world_size(dir), 4);
  for (int world : {1, 2, 3, 4, 5}) {
    const ShardLayout l = make_shard_layout(total, world, 1);
    for (int r = 0; r < world; ++r) {
      SCOPED_TRACE(::testing::Message() << "rank " << r << " of " << world);
      const OptimizerShard s = load_optimizer_shard(dir, l, r, params);
      EXPECT_EQ(s.step, 17);
      EXPECT_EQ(s.master.to_floats(), full_master.slice_rows(l.begin(r), l.end(r)).to_floats());
      EXPECT_EQ(s.exp_avg.to_floats(), full_m.slice_rows(l.begin(r), l.end(r)).to_floats());
      EXPECT_EQ(s.exp_avg_sq.to_floats(), full_v.slice_rows(l.begin(r), l.end(r)).to_floats());
    }
  }

  // Defects, each named.
  auto message = [&](const std::string& d, const ParamManifest& p) {
    try {
      load_optimizer_shard(d, make_shard_layout(total, 2), 1, p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir, {{"a", 600}, {"c", 401}}).find("parameter list (names, sizes, order) differs"),
            std::string::npos);
  fs::remove(optimizer_shard_path(dir, 2, 4));
  EXPECT_NE(message(dir, params).find("optimizer-00002-of-00004.safetensors is missing"), std::string::npos)
      << message(dir, params);
  EXPECT_NE(message(temp_dir("absent"), params).find("does not exist"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ShardedAdamW, SaveLoadResumesExactly) {
  auto comm = make_single_communicator();
  const std::string dir = temp_dir("resume");
  const AdamWParams hp{.lr = 1e-2f, .weight_decay = 0.1f};
  ToyModel straight(5), resumed(5);
  ShardedAdamW a(*comm, straight.refs(), hp);
  for (int step = 1; step <= 2; ++step) straight.fill_grads(0, step), a.step();
  a.save(dir);
  for (int step = 3; step <= 4; ++step) straight.fill_grads(0, step), a.step();

  ShardedAdamW b(*comm, resumed.refs(), hp);  // different starting state: the load replaces it
  b.load(dir);
  EXPECT_EQ(b.hyper().step, 3);
  for (int step = 3; step <= 4; ++step) resumed.fill_grads(0, step), b.step();
  EXPECT_EQ(resumed.flat(resumed.values), straight.flat(straight.values));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rlvr::parallel
