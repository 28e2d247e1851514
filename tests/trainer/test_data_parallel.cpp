// The data-parallel helpers at world size 1 and the block split every rank computes alone
// (the multi-rank behaviour is tested end to end by ctest trainer_dp_* under mpirun).
#include <gtest/gtest.h>

#include "trainer/data_parallel.h"

using namespace rlvr;
using namespace rlvr::trainer;

TEST(DataParallel, RankSharesAreContiguousAndCoverTheBatch) {
  struct Case {
    int64_t n;
    int world;
    std::vector<std::pair<int64_t, int64_t>> want;
  };
  const std::vector<Case> cases = {
      {8, 1, {{0, 8}}},
      {8, 2, {{0, 4}, {4, 8}}},
      {8, 4, {{0, 2}, {2, 4}, {4, 6}, {6, 8}}},
      {12, 8, {{0, 1}, {1, 3}, {3, 4}, {4, 6}, {6, 7}, {7, 9}, {9, 10}, {10, 12}}},  // eval: uneven
      {3, 4, {{0, 0}, {0, 1}, {1, 2}, {2, 3}}},                                      // a rank may get none
  };
  for (const Case& c : cases)
    for (int r = 0; r < c.world; ++r) {
      const RankShare s = rank_share(c.n, r, c.world);
      EXPECT_EQ(std::make_pair(s.begin, s.end), c.want[size_t(r)]) << c.n << " over " << c.world << ", rank " << r;
    }
}

TEST(DataParallel, OneRankHelpersAreTheIdentity) {
  auto single = parallel::make_single_communicator();
  for (parallel::Communicator* comm : {static_cast<parallel::Communicator*>(nullptr), single.get()}) {
    EXPECT_FALSE(multi_rank(comm));
    EXPECT_EQ(rank_share(7, comm).size(), 7);
    EXPECT_EQ(sum_over_ranks(comm, 0.1), 0.1);
    EXPECT_EQ(sum_over_ranks(comm, int64_t(5)), 5);
    EXPECT_EQ(max_over_ranks(comm, -2.0), -2.0);
    EXPECT_TRUE(any_rank(comm, true));
    EXPECT_EQ(gather_strings(comm, std::string("a\0b", 3)), std::vector<std::string>{std::string("a\0b", 3)});
    EXPECT_EQ(gather_over_ranks(comm, 9), std::vector<int64_t>{9});
  }
}
