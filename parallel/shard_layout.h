// ZeRO-1 partitioning: the trainable parameters laid back to back in one flat FP32 vector, cut
// into equal per-rank slices (the last padded), and the plan to re-cut a checkpoint written at
// one world size into the slices of another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rlvr::parallel {

struct ShardLayout {
  int world = 1;
  int64_t total = 0;  // real elements of the flat vector
  int64_t shard = 0;  // elements per rank, padding included (world * shard >= total)

  int64_t padded() const { return shard * world; }
  int64_t begin(int rank) const;  // this rank's real elements are [begin, end) of the flat vector
  int64_t end(int rank) const;
  int64_t real_count(int rank) const { return end(rank) - begin(rank); }
  bool operator==(const ShardLayout&) const = default;
};

// shard = ceil(total / world) rounded up to a multiple of align (elements), so that every
// rank's slice starts aligned for vector loads and NCCL.
ShardLayout make_shard_layout(int64_t total, int world, int64_t align = 32);

// flat offset of each parameter: offsets[i] = sum of numels before i; offsets.back() = total.
std::vector<int64_t> flat_offsets(const std::vector<int64_t>& numels);

// The part of parameter `param` that lies in a rank's slice.
struct ShardPiece {
  size_t param = 0;
  int64_t param_offset = 0;  // first element within the parameter
  int64_t shard_offset = 0;  // first element within the rank's slice
  int64_t count = 0;
};
// offsets from flat_offsets(); pieces in parameter order, empty parameters skipped.
std::vector<ShardPiece> pieces_of_rank(const ShardLayout& layout, const std::vector<int64_t>& offsets, int rank);

// Where rank to_rank of layout `to` finds its elements in the slices of layout `from` (same
// total): the old slices that overlap, in order.
struct ReshardPiece {
  int from_rank = 0;
  int64_t from_offset = 0;  // within the old rank's slice
  int64_t to_offset = 0;    // within the new rank's slice
  int64_t count = 0;
};
std::vector<ReshardPiece> reshard_plan(const ShardLayout& from, const ShardLayout& to, int to_rank);

}  // namespace rlvr::parallel
