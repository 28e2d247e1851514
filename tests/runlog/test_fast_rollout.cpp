// The simdjson reader of the summary fields agrees with the full parser on every generated
// sample, and hands back (returns false for) every line the full parser must judge.
#include <gtest/gtest.h>

#include <cmath>

#include "runlog/fast_rollout.h"
#include "testsupport/fake_run.h"

namespace rlvr::runlog {
namespace {

void expect_same_number(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << what;
  }
  else EXPECT_DOUBLE_EQ(a, b) << what;
}

TEST(FastRollout, AgreesWithTheFullParser) {
  testsupport::FakeRun run;
  FastRolloutReader fast;
  Rollout quick;
  std::vector<std::string> lines;
  for (int step = 1; step <= run.steps; ++step)
    for (int p = 0; p < run.prompts_per_step; ++p)
      for (int g = 0; g < run.group_size; ++g) lines.push_back(testsupport::fake_sample(run, step, p, g).dump());
  lines.push_back(R"({"step": 4, "reward": null, "verdicts": null, "extra": {"nested": [1, 2]}})");
  lines.push_back(R"({"verdicts": [{"verifier": "v", "status": "error"}], "reward": 1})");
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(fast.read_summary_fields(lines[i], static_cast<long>(i + 1), quick)) << lines[i];
    Rollout full = rollout_from_json(nlohmann::json::parse(lines[i]), static_cast<long>(i + 1));
    EXPECT_EQ(quick.line, full.line);
    EXPECT_EQ(quick.step, full.step);
    EXPECT_EQ(quick.prompt_id, full.prompt_id);
    EXPECT_EQ(quick.sample_index, full.sample_index);
    EXPECT_EQ(quick.completion_tokens, full.completion_tokens);
    EXPECT_EQ(quick.finish_reason, full.finish_reason);
    expect_same_number(quick.reward, full.reward, lines[i]);
    expect_same_number(quick.advantage, full.advantage, lines[i]);
    ASSERT_EQ(quick.verdicts.size(), full.verdicts.size()) << lines[i];
    for (size_t v = 0; v < full.verdicts.size(); ++v) {
      EXPECT_EQ(quick.verdicts[v].verifier, full.verdicts[v].verifier);
      EXPECT_EQ(quick.verdicts[v].status, full.verdicts[v].status);
      expect_same_number(quick.verdicts[v].reward, full.verdicts[v].reward, lines[i]);
    }
  }
}

TEST(FastRollout, HardLinesGoToTheFullParser) {
  const std::vector<std::string> lines = {
      "{\"step\": 1, \"completion\": tru}",
      "[1, 2]",
      "{\"step\": \"3\"}",
      "{\"step\": 3.0}",
      "{\"reward\": \"high\"}",
      "{\"completion\": 5}",
      "{\"verdicts\": {}}",
      "{\"verdicts\": [3]}",
      "{\"verdicts\": [{\"status\": 1}]}",
      "{\"verdicts\": [{\"detail\": []}]}",
      "{\"step\": 99999999999999999999}",
      "{\"prompt\": \"bad \xff utf8\"}",
  };
  FastRolloutReader fast;
  Rollout r;
  for (const std::string& line : lines) EXPECT_FALSE(fast.read_summary_fields(line, 1, r)) << line;
}

}  // namespace
}  // namespace rlvr::runlog
