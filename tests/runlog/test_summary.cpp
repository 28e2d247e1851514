// `logs summary` on generated runs: the numbers match what was written, a run still being
// written and a corrupt line are tolerated and reported, a non-run is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <iomanip>

#include "common/error.h"
#include "runlog/summary.h"
#include "testsupport/fake_run.h"
#include "testsupport/scratch.h"

namespace rlvr::runlog {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  std::string dir = testsupport::scratch_path(name);
  fs::remove_all(dir);
  return dir;
}

std::string summary_text(const Summary& s) {
  std::ostringstream out;
  print_summary(s, out);
  return out.str();
}

TEST(Summary, CountsWhatTheGeneratorWrote) {
  testsupport::FakeRun run;
  const std::string dir = fresh_dir("summary");
  testsupport::write_fake_run(dir, run);
  std::map<std::string, long> expected;
  long best_step = 0;
  double best_accuracy = -1;
  for (int step = 1; step <= run.steps; ++step) {
    long correct = 0;
    for (int p = 0; p < run.prompts_per_step; ++p)
      for (int g = 0; g < run.group_size; ++g) {
        std::string status = testsupport::fake_status(run, step, p, g);
        ++expected[status];
        correct += status == "correct";
      }
    if (correct > best_accuracy) best_accuracy = static_cast<double>(correct), best_step = step;
  }
  Summary s = summarize(dir);
  const long total = run.steps * run.prompts_per_step * run.group_size;
  EXPECT_EQ(s.rollouts.samples, total);
  EXPECT_EQ(s.rollouts.latest_step, run.steps);
  EXPECT_EQ(s.rollouts.latest_samples, run.prompts_per_step * run.group_size);
  for (const auto& [status, n] : expected) EXPECT_EQ(s.rollouts.statuses.at("boxed_math").at(status), n) << status;
  EXPECT_EQ(s.run.checkpoint_steps, (std::vector<long>{3, 6}));
  EXPECT_TRUE(s.rollout_problems.clean());

  const std::string text = summary_text(s);
  for (const std::string& piece :
       {std::string("run.name = fake"), std::string("rewards.verifiers = boxed_math x1, format x0.1"),
        std::string("rl 6 lines (last step 6)"), std::string("sft 3 lines (last step 3)"),
        std::string("checkpoints 3 6"), cat("best ", std::fixed, std::setprecision(4),
                                            best_accuracy / (run.prompts_per_step * run.group_size), " (step ",
                                            best_step, ")"),
        std::string("eval accuracy latest 0.6000 (step 6)"), std::string("tokens/s      latest 29000.0 (step 6)"),
        std::string("route agree   latest 0.9600 (step 6)   mean 0.9350"),
        cat("samples       ", total, " (latest step 6: 16)"), std::string("reward/step"),
        std::string("  boxed_math"), std::string("  format"), std::string("step 6")})
    EXPECT_NE(text.find(piece), std::string::npos) << "missing '" << piece << "' in\n" << text;
}

TEST(Summary, RunStillWritingAndCorruptLines) {
  const std::string dir = fresh_dir("writing");
  testsupport::write_fake_run(dir);
  {
    // A corrupt line in the middle, then a half-written last sample.
    std::ifstream in(dir + "/rollouts.jsonl");
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    size_t third = 0;
    for (int i = 0; i < 3; ++i) third = text.find('\n', third) + 1;
    text.insert(third, "{\"step\": 1, \"completion\": tru\n");
    std::string last = testsupport::fake_sample({}, 7, 0, 0).dump();
    text += last.substr(0, last.size() / 2);
    std::ofstream(dir + "/rollouts.jsonl", std::ios::binary) << text;
  }
  Summary s = summarize(dir);
  EXPECT_EQ(s.rollouts.samples, 6 * 4 * 4);
  EXPECT_EQ(s.rollout_problems.bad_lines, 1);
  EXPECT_TRUE(s.rollout_problems.partial_last_line);
  const std::string text = summary_text(s);
  EXPECT_NE(text.find("rollouts.jsonl:4: not valid JSON"), std::string::npos) << text;
  EXPECT_NE(text.find("the last line is incomplete (run still writing?)"), std::string::npos) << text;
}

TEST(Summary, OnlyRolloutsOrOnlyMetrics) {
  const std::string dir = fresh_dir("partial_dirs");
  testsupport::write_fake_run(dir);
  fs::remove(dir + "/metrics.jsonl");
  fs::remove(dir + "/config.toml");
  std::string text = summary_text(summarize(dir));
  EXPECT_NE(text.find("metrics.jsonl absent"), std::string::npos) << text;
  EXPECT_NE(text.find("reward/step"), std::string::npos) << "sparkline from the samples:\n" << text;

  testsupport::write_fake_run(dir);
  fs::remove(dir + "/rollouts.jsonl");
  text = summary_text(summarize(dir));
  EXPECT_NE(text.find("rollouts.jsonl absent"), std::string::npos) << text;
  EXPECT_NE(text.find("  boxed_math"), std::string::npos) << "status counts from the metrics:\n" << text;
}

TEST(Summary, NotARunDirectory) {
  const std::string empty = fresh_dir("empty");
  fs::create_directories(empty);
  struct Case { std::string path, message; };
  const std::vector<Case> cases = {
      {empty, "is not a run directory: it has none of config.toml, metrics.jsonl, rollouts.jsonl"},
      {empty + "/nope", "is not a directory"},
  };
  for (const Case& c : cases) {
    try {
      summarize(c.path);
      ADD_FAILURE() << c.path;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

TEST(Summary, Sparkline) {
  struct Case { std::vector<double> values; size_t width; std::string expected; };
  const std::vector<Case> cases = {
      {{0, 1, 2, 3, 4, 5, 6, 7}, 60, "▁▂▃▄▅▆▇█"},
      {{5, 5, 5}, 60, "▄▄▄"},
      {{0, 0, 1, 1}, 2, "▁█"},
      {{0, NAN, 1}, 60, "▁ █"},
      {{}, 60, ""},
  };
  for (const Case& c : cases) EXPECT_EQ(sparkline(c.values, c.width), c.expected);
}

}  // namespace
}  // namespace rlvr::runlog
