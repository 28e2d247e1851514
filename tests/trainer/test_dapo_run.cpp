// DAPO's batch-level parts in a real run: refill draws more prompts until the step has
// prompts_per_step groups with differing rewards (or the bound), the overlong penalty is in
// every reward, the overlong filter trains on no sample cut by the length limit, and the
// rollout correction's diagnostics are logged every step.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "tests/trainer/train_run_fixture.h"
#include "trainer/grpo.h"

namespace rlvr::trainer {
namespace {

using TrainRun = testing::TrainRun;

// Per step: the number of groups whose rewards differ.
std::map<int64_t, int64_t> informative_groups(const std::vector<nlohmann::json>& rollouts) {
  std::map<std::pair<int64_t, int64_t>, std::vector<double>> groups;
  for (const auto& r : rollouts)
    groups[{r["step"].get<int64_t>(), r["prompt_id"].get<int64_t>()}].push_back(r["reward"].get<double>());
  std::map<int64_t, int64_t> out;
  for (const auto& [key, rewards] : groups) {
    bool differ = false;
    for (double x : rewards) differ |= x != rewards.front();
    out[key.first] += differ;
  }
  return out;
}

TEST_F(TrainRun, RefillDrawsPromptsUntilTheBatchHasEnoughInformativeGroups) {
  const RunConfig cfg = config({"run.steps=3", "logging.eval_every=0", "algorithm.dynamic_sampling=\"refill\"",
                                "algorithm.dynamic_sampling_max_batches=4"});
  run(cfg, "refill");
  const auto rollouts = lines(dir_ / "refill" / "rollouts.jsonl");
  const auto informative = informative_groups(rollouts);
  int64_t refilled = 0;
  for (const auto& m : lines(dir_ / "refill" / "metrics.jsonl")) {
    if (m["phase"] != "rl") continue;
    const int64_t step = m["step"], drawn = m["prompts_drawn"];
    // Whole batches of prompts_per_step, stopping at the first with 4 informative groups.
    EXPECT_EQ(drawn % 4, 0) << step;
    EXPECT_LE(drawn, 16) << step;
    const int64_t got = informative.count(step) ? informative.at(step) : 0;
    EXPECT_TRUE(got >= 4 || drawn == 16) << "step " << step << ": " << got << " informative of " << drawn;
    EXPECT_EQ(m["groups_dropped"].get<int64_t>(), drawn - got) << step;
    refilled += drawn > 4;
    int64_t step_samples = 0;
    for (const auto& r : rollouts) step_samples += r["step"] == step;
    EXPECT_EQ(step_samples, drawn * 4) << step;  // every drawn group is logged
  }
  EXPECT_GT(refilled, 0);  // this run needed refills: the test exercises them
  // Deterministic: the same config gives the same run.
  run(cfg, "refill_again");
  testing::expect_same_metrics(metrics_without_time(dir_ / "refill"), metrics_without_time(dir_ / "refill_again"));
}

TEST_F(TrainRun, OverlongPenaltyIsInTheRewardAndTheFilterSkipsCutSamples) {
  run(config({"run.steps=2", "logging.eval_every=0", "algorithm.overlong_filter=true",
              "algorithm.overlong_penalty=0.5", "algorithm.overlong_buffer=4"}),
      "overlong");
  int64_t cut = 0, ramped = 0;
  for (const auto& r : lines(dir_ / "overlong" / "rollouts.jsonl")) {
    double verdicts = 0;
    for (const auto& v : r["verdicts"]) verdicts += v["weight"].get<double>() * v["reward"].get<double>();
    const int64_t len = r["completion_tokens"];
    const double penalty = overlong_penalty(len, 8, 4, 0.5);
    EXPECT_NEAR(r["reward"].get<double>(), verdicts + penalty, 1e-9) << r.dump();
    ramped += penalty < 0 && penalty > -0.5;
    if (r["finish_reason"] == "length") {
      ++cut;
      EXPECT_TRUE(r["learner_logprob"].is_null()) << r.dump();  // not trained on
    }
  }
  EXPECT_GT(cut, 0);
  EXPECT_GT(ramped, 0);
  for (const auto& m : lines(dir_ / "overlong" / "metrics.jsonl")) {
    if (m["phase"] != "rl") continue;
    for (const char* k : {"rollout_kl", "rollout_ratio_outside", "rollout_ratio_max", "rollout_masked_frac"})
      EXPECT_TRUE(m[k].is_number()) << k;
    EXPECT_GE(m["rollout_kl"].get<double>(), 0.0);
    EXPECT_GT(m["rollout_ratio_max"].get<double>(), 0.0);
  }
}

TEST_F(TrainRun, EveryCorrectionModeAndNormalizerTrains) {
  for (const char* mode : {"none", "seq_tis", "token_mask", "seq_mask"}) {
    const RunConfig cfg = config({"run.steps=1", "logging.eval_every=0", "sft.steps=0",
                                  cat("algorithm.rollout_correction=\"", mode, "\""),
                                  "algorithm.loss_normalizer=\"max_length\"", "algorithm.dual_clip=3.0",
                                  "rollout.temperature=0.8", "rollout.top_p=0.9"});
    const TrainResult r = run(cfg, mode);
    EXPECT_EQ(r.rl_steps, 1) << mode;
    for (const auto& m : lines(dir_ / mode / "metrics.jsonl")) {
      if (m["phase"] == "rl") {
        EXPECT_TRUE(std::isfinite(m["loss"].get<double>())) << mode;
      }
    }
  }
}

}  // namespace
}  // namespace rlvr::trainer
