// ZeRO-1 partitioning: slice sizes and alignment, parameter pieces per rank, and re-shard plans
// that must cover every element exactly once for every pair of world sizes.
#include <gtest/gtest.h>

#include "common/error.h"
#include "parallel/shard_layout.h"

namespace rlvr::parallel {
namespace {

TEST(ShardLayout, SlicesAreEqualAlignedAndCoverTheVector) {
  struct Case { int64_t total; int world; int64_t align; int64_t shard; };
  const Case cases[] = {
      {0, 1, 32, 0},     {1, 1, 32, 32},   {100, 1, 1, 100}, {100, 4, 1, 25},
      {100, 4, 32, 32},  {101, 4, 1, 26},  {5, 8, 1, 1},     {1000003, 7, 64, 142912},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.total << " over " << c.world << " align " << c.align);
    const ShardLayout l = make_shard_layout(c.total, c.world, c.align);
    EXPECT_EQ(l.shard, c.shard);
    EXPECT_GE(l.padded(), l.total);
    int64_t covered = 0;
    for (int r = 0; r < c.world; ++r) {
      EXPECT_EQ(l.begin(r), covered);
      covered += l.real_count(r);
      EXPECT_LE(l.real_count(r), l.shard);
    }
    EXPECT_EQ(covered, c.total);
  }
  EXPECT_THROW(make_shard_layout(10, 0), Error);
}

TEST(ShardLayout, PiecesSplitParametersAtSliceBoundaries) {
  // Parameters of 5, 0, 7 and 4 elements: 16 in all, 4 ranks of 4.
  const std::vector<int64_t> offsets = flat_offsets({5, 0, 7, 4});
  const ShardLayout l = make_shard_layout(16, 4, 1);
  struct Want { size_t param; int64_t param_offset, shard_offset, count; };
  const std::vector<std::vector<Want>> want = {
      {{0, 0, 0, 4}},
      {{0, 4, 0, 1}, {2, 0, 1, 3}},
      {{2, 3, 0, 4}},
      {{3, 0, 0, 4}},
  };
  for (int r = 0; r < 4; ++r) {
    const std::vector<ShardPiece> got = pieces_of_rank(l, offsets, r);
    ASSERT_EQ(got.size(), want[size_t(r)].size()) << "rank " << r;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].param, want[size_t(r)][i].param) << "rank " << r << " piece " << i;
      EXPECT_EQ(got[i].param_offset, want[size_t(r)][i].param_offset);
      EXPECT_EQ(got[i].shard_offset, want[size_t(r)][i].shard_offset);
      EXPECT_EQ(got[i].count, want[size_t(r)][i].count);
    }
  }
  EXPECT_THROW(pieces_of_rank(make_shard_layout(17, 4, 1), offsets, 0), Error);
}

TEST(ShardLayout, ReshardPlanMapsEveryElementOnceForAnyWorldSizes) {
  for (int64_t total : {0, 1, 13, 1000}) {
    for (int a : {1, 2, 3, 4, 7}) {
      for (int b : {1, 2, 3, 4, 7}) {
        SCOPED_TRACE(::testing::Message() << total << " elements, " << a << " -> " << b << " ranks");
        const ShardLayout from = make_shard_layout(total, a, 4), to = make_shard_layout(total, b, 1);
        std::vector<int> seen(size_t(total), 0);
        for (int r = 0; r < b; ++r) {
          int64_t next = 0;
          for (const ReshardPiece& p : reshard_plan(from, to, r)) {
            EXPECT_EQ(p.to_offset, next);
            next += p.count;
            for (int64_t i = 0; i < p.count; ++i) {
              const int64_t flat = from.begin(p.from_rank) + p.from_offset + i;
              ASSERT_EQ(flat, to.begin(r) + p.to_offset + i);
              ASSERT_LT(p.from_offset + i, from.real_count(p.from_rank));
              ++seen[size_t(flat)];
            }
          }
          EXPECT_EQ(next, to.real_count(r));
        }
        for (int64_t i = 0; i < total; ++i) ASSERT_EQ(seen[size_t(i)], 1) << "element " << i;
      }
    }
  }
  EXPECT_THROW(reshard_plan(make_shard_layout(10, 2), make_shard_layout(11, 2), 0), Error);
}

}  // namespace
}  // namespace rlvr::parallel
