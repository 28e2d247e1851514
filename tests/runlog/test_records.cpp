// Typed records: fields read, absent fields tolerated, a wrongly typed field named.
#include <gtest/gtest.h>

#include <cmath>

#include "runlog/jsonl_reader.h"
#include "runlog/records.h"

namespace rlvr::runlog {
namespace {

TEST(Records, RolloutFields) {
  auto j = nlohmann::json::parse(R"({"step": 3, "prompt_id": 17, "sample_index": 2, "prompt": "p", "completion": "c",
      "answer": "18", "verdicts": [{"verifier": "boxed_math", "weight": 1.0, "reward": 1.0, "status": "correct",
      "detail": "extracted 18"}], "reward": 1.0, "advantage": 0.5, "prompt_tokens": 9, "completion_tokens": 40.0,
      "finish_reason": "stop", "rollout_logprob": -3.5, "learner_logprob": -3.25, "new_field": [1]})");
  Rollout r = rollout_from_json(j, 12);
  EXPECT_EQ(r.line, 12);
  EXPECT_EQ(r.step, 3);
  EXPECT_EQ(r.prompt_id, 17);
  EXPECT_EQ(r.sample_index, 2);
  EXPECT_TRUE(r.has_answer);
  EXPECT_EQ(r.answer, "18");
  ASSERT_EQ(r.verdicts.size(), 1u);
  EXPECT_EQ(r.verdicts[0].detail, "extracted 18");
  EXPECT_EQ(r.completion_tokens, 40);
  EXPECT_DOUBLE_EQ(r.learner_logprob, -3.25);
  nlohmann::json back = rollout_to_json(r);
  EXPECT_EQ(back["verdicts"][0]["status"], "correct");
  EXPECT_EQ(back["answer"], "18");
}

TEST(Records, AbsentFieldsAreMissing) {
  Rollout r = rollout_from_json(nlohmann::json::parse(R"({"step": 1})"), 1);
  EXPECT_TRUE(std::isnan(r.reward));
  EXPECT_FALSE(r.has_answer);
  EXPECT_EQ(r.completion_tokens, -1);
  EXPECT_TRUE(rollout_to_json(r)["reward"].is_null());
  MetricsRow m = metrics_row_from_json(nlohmann::json::parse(R"({"phase": "rl", "kl": 0.5, "note": "x"})"), 2);
  EXPECT_EQ(m.step, -1);
  EXPECT_DOUBLE_EQ(m.get("kl"), 0.5);
  EXPECT_TRUE(std::isnan(m.get("entropy")));
}

TEST(Records, WrongTypesAreNamed) {
  struct Case { std::string line, message; bool metrics; };
  const std::vector<Case> cases = {
      {R"({"step": "3"})", "field 'step' must be an integer, got string", false},
      {R"({"step": 2.5})", "field 'step' must be an integer, got number", false},
      {R"({"reward": "high"})", "field 'reward' must be a number, got string", false},
      {R"({"completion": 5})", "field 'completion' must be a string, got number", false},
      {R"({"verdicts": {}})", "field 'verdicts' must be an array, got object", false},
      {R"({"verdicts": [{"status": 1}]})", "field 'verdicts[0].status' must be a string, got number", false},
      {R"({"verdicts": [{"status": "ok"}, 3]})", "field 'verdicts[1]' must be an object, got number", false},
      {R"({"step": 1, "status_counts": []})", "field 'status_counts' must be an object, got array", true},
      {R"({"status_counts": {"f": {"correct": "2"}}})", "field 'status_counts.f.correct' must be a number", true},
      {R"({"status_counts": {"f": {"correct": -2}}})", "field 'status_counts.f.correct' must be a count", true},
  };
  for (const Case& c : cases) {
    auto j = nlohmann::json::parse(c.line);
    try {
      if (c.metrics) metrics_row_from_json(j, 1);
      else rollout_from_json(j, 1);
      ADD_FAILURE() << "no error for " << c.line;
    } catch (const BadRecord& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.line << " -> " << e.what();
    }
  }
}

}  // namespace
}  // namespace rlvr::runlog
