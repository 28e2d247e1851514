// ZeRO-1 across MPI ranks against the serial AdamW on the averaged gradient, and a checkpoint
// written at this world size loaded at 1, 2 and 3 ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "tests/parallel/zero1_fixture.h"
#include "tests/parallel_mpi/mpi_world.h"

namespace rlvr::parallel {
namespace {

// The ranks sum gradients in a different order than the serial loop; moments are then rounded
// to BF16, where a different last FP32 bit can flip one BF16 ulp (2^-8 relative) of m or v.
// That moves an update by at most lr * 2^-8 * |m/sqrt(v)| ~ lr/256 per step, so 3 steps at
// lr 1e-2 stay within 3e-4; bigger differences mean a misplaced slice.
constexpr float kTol = 3e-4f;

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want, float tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol) << what << " first bad index " << i;
}

TEST(Zero1Mpi, ShardedStepsEqualSerialAdamWAndCheckpointsReshard) {
  Communicator& comm = testing::mpi_world();
  const int world = comm.size();
  const AdamWParams hp{.lr = 1e-2f, .weight_decay = 0.1f};
  testing::ToyModel sharded(11), serial(11);
  // Ranks other than 0 start from different weights: the constructor broadcasts rank 0's.
  if (comm.rank() != 0) sharded = testing::ToyModel(12 + uint64_t(comm.rank()));
  ShardedAdamW opt(comm, sharded.refs(), hp, {.max_grad_norm = 1.0f});
  for (int step = 1; step <= 3; ++step) {
    sharded.fill_grads(comm.rank(), step);
    opt.step();
    AdamWParams h = hp;
    h.step = step;
    serial.serial_step(world, step, h, 1.0f);
  }
  expect_near_all(sharded.flat(sharded.values), serial.flat(serial.values), kTol, "weights");

  // Checkpoint at this world size, into a directory named by it (ranks share the file system).
  const std::string dir = std::string(RLVR_BINARY_DIR) + "/dist_zero1_ckpt_np" + std::to_string(world);
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
  comm.barrier();
  opt.save(dir);
  const ParamManifest manifest = opt.manifest();
  const ShardLayout one = make_shard_layout(opt.layout().total, 1, 1);
  const OptimizerShard whole = load_optimizer_shard(dir, one, 0, manifest);
  EXPECT_EQ(whole.step, 3);
  expect_near_all(whole.master.to_floats(), serial.flat(serial.values), kTol, "checkpoint masters");
  // m moves by one BF16 ulp at most (see kTol); |m| < 1 here.
  expect_near_all(whole.exp_avg.to_floats(), serial.flat(serial.m), 1.0f / 128, "checkpoint exp_avg");
  for (int new_world : {2, 3}) {
    const ShardLayout l = make_shard_layout(one.total, new_world);
    for (int r = 0; r < new_world; ++r) {
      const OptimizerShard s = load_optimizer_shard(dir, l, r, manifest);
      const std::vector<float> want = whole.master.slice_rows(l.begin(r), l.end(r)).to_floats();
      EXPECT_EQ(s.master.to_floats(), want) << world << " ranks -> rank " << r << " of " << new_world;
      EXPECT_EQ(s.exp_avg_sq.to_floats(), whole.exp_avg_sq.slice_rows(l.begin(r), l.end(r)).to_floats());
    }
  }
  // Resume at this world size continues exactly like not stopping.
  testing::ToyModel resumed(99);
  ShardedAdamW again(comm, resumed.refs(), hp, {.max_grad_norm = 1.0f});
  again.load(dir);
  sharded.fill_grads(comm.rank(), 4);
  resumed.fill_grads(comm.rank(), 4);
  opt.step();
  again.step();
  EXPECT_EQ(resumed.flat(resumed.values), sharded.flat(sharded.values));
}

}  // namespace
}  // namespace rlvr::parallel
