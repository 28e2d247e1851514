// `logs show` filters on a generated run: each filter alone and combined gives the count the
// generator implies; sorting, limits, bad filter values.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "common/error.h"
#include "runlog/select.h"
#include "testsupport/fake_run.h"
#include "testsupport/scratch.h"

namespace rlvr::runlog {
namespace {

const testsupport::FakeRun kRun;

const RunDir& fake_run_dir() {
  static RunDir run = [] {
    std::string dir = testsupport::scratch_path("select");
    std::filesystem::remove_all(dir);
    testsupport::write_fake_run(dir, kRun);
    return open_run_dir(dir);
  }();
  return run;
}

// How many generated samples satisfy `pred` (step, prompt id, sample index, status).
long expected_count(const std::function<bool(int, int, int, const std::string&)>& pred) {
  long n = 0;
  for (int step = 1; step <= kRun.steps; ++step)
    for (int p = 0; p < kRun.prompts_per_step; ++p)
      for (int g = 0; g < kRun.group_size; ++g)
        n += pred(step, testsupport::prompt_id(kRun, step, p), g, testsupport::fake_status(kRun, step, p, g));
  return n;
}

TEST(Select, FiltersAloneAndCombined) {
  struct Case {
    std::string name;
    std::function<void(SampleFilter&)> set;
    std::function<bool(int, int, int, const std::string&)> pred;
  };
  const std::vector<Case> cases = {
      {"all", [](SampleFilter&) {}, [](int, int, int, const std::string&) { return true; }},
      {"one step", [](SampleFilter& f) { f.steps = parse_step_range("3"); },
       [](int s, int, int, const std::string&) { return s == 3; }},
      {"step range", [](SampleFilter& f) { f.steps = parse_step_range("2:4"); },
       [](int s, int, int, const std::string&) { return s >= 2 && s <= 4; }},
      {"prompt", [](SampleFilter& f) { f.prompt_id = testsupport::prompt_id(kRun, 2, 1); },
       [](int, int id, int, const std::string&) { return id == testsupport::prompt_id(kRun, 2, 1); }},
      {"status correct", [](SampleFilter& f) { f.status = "correct"; f.verifier = "boxed_math"; },
       [](int, int, int, const std::string& st) { return st == "correct"; }},
      {"status timeout, any verifier", [](SampleFilter& f) { f.status = "timeout"; },
       [](int, int, int, const std::string& st) { return st == "timeout"; }},
      {"format wrong", [](SampleFilter& f) { f.status = "wrong"; f.verifier = "format"; },
       [](int, int, int, const std::string& st) { return st != "correct" && st != "wrong"; }},
      {"min reward", [](SampleFilter& f) { f.min_reward = 1.0; },
       [](int, int, int, const std::string& st) { return st == "correct"; }},
      {"max reward", [](SampleFilter& f) { f.max_reward = 0.05; },
       [](int, int, int, const std::string& st) { return st != "correct" && st != "wrong"; }},
      {"grep", [](SampleFilter& f) { f.grep = std::make_shared<Regex>(R"(\\boxed\{\d+\})"); },
       [](int, int, int, const std::string& st) { return st == "correct" || st == "wrong"; }},
      {"grep unicode", [](SampleFilter& f) { f.grep = std::make_shared<Regex>("<step 3> & check: π"); },
       [](int, int, int g, const std::string&) { return g == 3; }},
      {"combined", [](SampleFilter& f) { f.steps = parse_step_range("4:"); f.status = "wrong"; f.verifier = "boxed_math";
                                          f.grep = std::make_shared<Regex>("not sure|boxed"); },
       [](int s, int, int, const std::string& st) { return s >= 4 && st == "wrong"; }},
  };
  for (const Case& c : cases) {
    SampleFilter filter;
    c.set(filter);
    Selection s = select_samples(fake_run_dir(), filter);
    EXPECT_EQ(s.matched, expected_count(c.pred)) << c.name;
    EXPECT_EQ(static_cast<long>(s.samples.size()), s.matched) << c.name;
    EXPECT_EQ(s.scanned, kRun.steps * kRun.prompts_per_step * kRun.group_size);
    for (const Rollout& r : s.samples) EXPECT_TRUE(filter.matches(r)) << c.name;
  }
}

TEST(Select, SortAndLimit) {
  SampleFilter all;
  Selection by_reward = select_samples(fake_run_dir(), all, SortKey::kReward, true, 5);
  ASSERT_EQ(by_reward.samples.size(), 5u);
  EXPECT_EQ(by_reward.matched, 96);
  for (const Rollout& r : by_reward.samples) EXPECT_DOUBLE_EQ(r.reward, 1.1);
  Selection shortest = select_samples(fake_run_dir(), all, SortKey::kLength, false, 0);
  for (size_t i = 1; i < shortest.samples.size(); ++i)
    EXPECT_LE(shortest.samples[i - 1].completion_tokens, shortest.samples[i].completion_tokens);
  Selection last = select_samples(fake_run_dir(), all, SortKey::kNone, true, 3);
  ASSERT_EQ(last.samples.size(), 3u);
  EXPECT_EQ(last.samples[0].step, kRun.steps);
  EXPECT_GT(last.samples[0].line, last.samples[1].line);
  Selection first = select_samples(fake_run_dir(), all, SortKey::kNone, false, 3);
  EXPECT_EQ(first.samples[0].line, 1);
}

TEST(Select, StepRanges) {
  struct Case { std::string text; long first, last; };
  const std::vector<Case> good = {{"7", 7, 7}, {"2:5", 2, 5}, {"2..5", 2, 5}, {"3:", 3, LONG_MAX}, {":4", LONG_MIN, 4}};
  for (const Case& c : good) {
    StepRange r = parse_step_range(c.text);
    EXPECT_EQ(r.first, c.first) << c.text;
    EXPECT_EQ(r.last, c.last) << c.text;
  }
  for (const std::string bad : {"", "x", "1:2:3", ":", "5:2", "1.5", "99999999999999999999"})
    EXPECT_THROW(parse_step_range(bad), Error) << bad;
}

TEST(Select, BadFilterValuesAreNamed) {
  struct Case { std::function<void()> run; std::string message; };
  const std::vector<Case> cases = {
      {[] { Regex r("(unclosed"); }, "bad --grep pattern: '(unclosed' at offset 9: missing closing parenthesis"},
      {[] { parse_sort_key("size"); }, "unknown --sort key: 'size' (use reward, length or step)"},
      {[] {
         SampleFilter f;
         f.status = "corect";
         check_filter_values(f, select_samples(fake_run_dir(), f));
       },
       "no sample has status 'corect' (statuses in this run: correct, error, no_answer, timeout, wrong)"},
      {[] {
         SampleFilter f;
         f.verifier = "boxed";
         check_filter_values(f, select_samples(fake_run_dir(), f));
       },
       "no sample has a verdict by 'boxed' (verifiers in this run: boxed_math, format)"},
  };
  for (const Case& c : cases) {
    try {
      c.run();
      ADD_FAILURE() << "no error, expected: " << c.message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace rlvr::runlog
