// The progress line's time left: each phase at its own rate (an SFT step is far shorter than a
// GRPO step), a lower bound while a phase with steps left has no rate yet.
#include <gtest/gtest.h>

#include "trainer/progress.h"

namespace rlvr::trainer {
namespace {

TEST(Progress, EtaUsesEachPhasesOwnRate) {
  Progress p(nullptr, true);
  EXPECT_EQ(p.eta(400, 400), "?");
  for (int i = 0; i < 400; ++i) p.add_step(Progress::kSft, 0.01);
  EXPECT_EQ(p.eta(0, 400), "?");  // no GRPO step timed yet
  EXPECT_EQ(p.eta(100, 400), ">0m01s");
  // GRPO steps of about a second: from step 143 of 400, 257 steps are about 4m17s left, whatever
  // the 400 fast SFT steps before.
  for (int i = 0; i < 143; ++i) p.add_step(Progress::kRl, 1.0);
  EXPECT_EQ(p.eta(0, 257), "4m17s");
  EXPECT_EQ(p.eta(0, 0), "0m00s");
  for (int i = 0; i < 3600; ++i) p.add_step(Progress::kRl, 1.0);
  EXPECT_EQ(p.eta(0, 7300), "2h01m");
}

}  // namespace
}  // namespace rlvr::trainer
