// The lines a run writes: metrics.jsonl (one per SFT step, GRPO step and evaluation) and
// rollouts.jsonl (one per sample). docs/logs.md documents every field; runlog/fields.h names them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "trainer/learner.h"
#include "trainer/rollout_batch.h"

namespace rlvr::trainer {

struct StepTiming {
  double step_s = 0, rollout_s = 0, reward_s = 0, learner_s = 0;
  double wait_s = 0;      // pipelined: the learner waited this long for the batch
  int64_t staleness = 0;  // GRPO updates between the batch's weights and the ones it trains
  int64_t stale_batches_dropped = 0;  // staleness_policy "drop": batches skipped so far
};

// A GRPO step's metrics, computed once from the step's records and the update: the
// metrics.jsonl line and the progress line are both written from it.
struct RlStepMetrics {
  int64_t step = 0;
  double time_s = 0, lr = 0;
  GrpoUpdateResult update;  // loss, grad_norm, optimizer steps, policy-loss statistics, entropy, mismatch
  double reward_mean = 0, reward_std = 0, accuracy = 0, response_len_mean = 0;
  double tokens_per_s = 0, rollout_tokens_per_s = 0;
  int groups_dropped = 0;
  size_t prompts_drawn = 0;  // the step's groups (refill draws more than prompts_per_step)
  size_t samples_trained = 0;
  StepTiming timing;

  double kl() const;
  nlohmann::json to_json() const;
};

RlStepMetrics rl_step_metrics(int64_t step, double time_s, const RolloutBatch& rb, const GrpoUpdateResult& up,
                              double lr, const StepTiming& timing);
nlohmann::json sft_metrics(int64_t step, double time_s, const SftStepResult& r, double lr, double tokens_per_s);
nlohmann::json eval_metrics(int64_t step, double time_s, const RolloutBatch& rb);
// with_routes: add the sample's expert choices (SampleRecord::routes), one array per token.
nlohmann::json rollout_record(int64_t step, const SampleRecord& sample, const rewards::RewardService& service,
                              bool with_routes = false);

// Status counts of a batch: verifier name -> status -> count.
nlohmann::json status_counts(const RolloutBatch& rb, const rewards::RewardService& service);

std::string fixed(double v, int digits);  // "0.1250"
std::string sci(double v);                // "3.0e-04"

}  // namespace rlvr::trainer
