// ZeRO-1 flat-vector partitioning and the re-shard plan.
#include "parallel/shard_layout.h"

#include <algorithm>

#include "common/error.h"

namespace rlvr::parallel {

int64_t ShardLayout::begin(int rank) const { return std::min(total, int64_t(rank) * shard); }
int64_t ShardLayout::end(int rank) const { return std::min(total, int64_t(rank + 1) * shard); }

ShardLayout make_shard_layout(int64_t total, int world, int64_t align) {
  RLVR_CHECK(total >= 0 && world >= 1 && align >= 1, "parallel", "shard layout of ", total, " elements over ",
             world, " ranks, align ", align);
  const int64_t per_rank = (total + world - 1) / world;
  return ShardLayout{world, total, (per_rank + align - 1) / align * align};
}

std::vector<int64_t> flat_offsets(const std::vector<int64_t>& numels) {
  std::vector<int64_t> offsets{0};
  for (int64_t n : numels) {
    RLVR_CHECK(n >= 0, "parallel", "parameter ", offsets.size() - 1, " has ", n, " elements");
    offsets.push_back(offsets.back() + n);
  }
  return offsets;
}

std::vector<ShardPiece> pieces_of_rank(const ShardLayout& layout, const std::vector<int64_t>& offsets, int rank) {
  RLVR_CHECK(!offsets.empty() && offsets.back() == layout.total, "parallel", "parameters hold ",
             offsets.empty() ? 0 : offsets.back(), " elements but the layout ", layout.total);
  const int64_t b = layout.begin(rank), e = layout.end(rank);
  std::vector<ShardPiece> pieces;
  // First parameter ending after b, by binary search over the offsets.
  size_t i = size_t(std::upper_bound(offsets.begin(), offsets.end(), b) - offsets.begin());
  for (i = i == 0 ? 0 : i - 1; i + 1 < offsets.size() && offsets[i] < e; ++i) {
    const int64_t lo = std::max(b, offsets[i]), hi = std::min(e, offsets[i + 1]);
    if (hi > lo) pieces.push_back({i, lo - offsets[i], lo - b, hi - lo});
  }
  return pieces;
}

std::vector<ReshardPiece> reshard_plan(const ShardLayout& from, const ShardLayout& to, int to_rank) {
  RLVR_CHECK(from.total == to.total, "parallel", "re-shard of a checkpoint with ", from.total,
             " elements into a model with ", to.total);
  RLVR_CHECK(to_rank >= 0 && to_rank < to.world, "parallel", "re-shard for rank ", to_rank, " of ", to.world);
  std::vector<ReshardPiece> plan;
  const int64_t b = to.begin(to_rank), e = to.end(to_rank);
  for (int q = 0; q < from.world; ++q) {
    const int64_t lo = std::max(b, from.begin(q)), hi = std::min(e, from.end(q));
    if (hi > lo) plan.push_back({q, lo - from.begin(q), lo - b, hi - lo});
  }
  return plan;
}

}  // namespace rlvr::parallel
