// ZeRO-1 optimizer checkpoints: one safetensors file per rank holding that rank's slice of the
// FP32 master weights and BF16 AdamW moments, and a loader that re-cuts the slices written at
// any world size into this rank's slice at the current one (4 ranks write, 2 resume).
//
//   dir/optimizer-00001-of-00004.safetensors   tensors master f32, exp_avg bf16, exp_avg_sq bf16,
//                                             each [real elements of the slice]; metadata: format,
//                                             world, rank, total, shard, step, params (JSON).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "parallel/shard_layout.h"
#include "kernels/tensor.h"

namespace rlvr::parallel {

// The parameters in flat order: (name, numel). A checkpoint only loads into the same list.
using ParamManifest = std::vector<std::pair<std::string, int64_t>>;

struct OptimizerShard {
  ShardLayout layout;
  int rank = 0;
  int64_t step = 0;  // AdamW steps taken
  ParamManifest params;
  Tensor master;                 // f32 [layout.real_count(rank)]
  Tensor exp_avg, exp_avg_sq;    // bf16, same shape
};

std::string optimizer_shard_path(const std::string& dir, int rank, int world);

// Writes shard.rank's file into dir (created if absent), atomically.
void save_optimizer_shard(const std::string& dir, const OptimizerShard& shard);

// Rank `rank`'s slice under `layout` from the shards in dir, whatever world size wrote them.
// Every file is checked (format, world, rank, layout, step, manifest against `params`); a
// missing or inconsistent file throws naming it.
OptimizerShard load_optimizer_shard(const std::string& dir, const ShardLayout& layout, int rank,
                                    const ParamManifest& params);

// The world size of the checkpoint in dir, from its rank-0 file name; throws when there is
// none or several.
int checkpoint_world_size(const std::string& dir);

// The AdamW moments of a ZeRO-1 checkpoint by parameter name: any range of any parameter its
// manifest lists, whatever world size wrote it and whatever parameter list reads it (expert
// parallelism keeps the routed experts out of the flat vector). Files open as they are needed.
class ZeroMoments {
 public:
  explicit ZeroMoments(const std::string& dir);
  bool has(const std::string& name) const { return offset_.count(name) > 0; }
  // Elements [offset, offset + count) of parameter `name` (which must hold numel elements).
  void read(const std::string& name, int64_t numel, int64_t offset, int64_t count, bf16* exp_avg, bf16* exp_avg_sq);

 private:
  std::string dir_;
  ShardLayout layout_;
  ParamManifest params_;
  std::map<std::string, std::pair<int64_t, int64_t>> offset_;  // name -> flat offset, numel
  std::map<int, std::pair<Tensor, Tensor>> loaded_;            // old rank -> exp_avg, exp_avg_sq
};

}  // namespace rlvr::parallel
