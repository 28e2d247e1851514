// The lines a run writes: metrics.jsonl (one per SFT step, GRPO step and evaluation) and
// rollouts.jsonl (one per sample). docs/logs.md documents every field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "trainer/grpo.h"
#include "trainer/learner.h"
#include "trainer/rollout_batch.h"

namespace rlvr::trainer {

struct StepTiming {
  double step_s = 0, rollout_s = 0, reward_s = 0, learner_s = 0;
};

nlohmann::json sft_metrics(int64_t step, double time_s, const SftStepResult& r, double lr, double tokens_per_s);
nlohmann::json rl_metrics(int64_t step, double time_s, const RolloutBatch& rb, const Advantages& adv,
                          const GrpoUpdateResult& up, double lr, const StepTiming& timing);
nlohmann::json eval_metrics(int64_t step, double time_s, const RolloutBatch& rb);
// learner_logp_sum: NaN when the sample was not trained on (a dropped group): written as null.
nlohmann::json rollout_record(int64_t step, const RolloutBatch& rb, size_t sample,
                              const rewards::RewardService& service, double advantage, double learner_logp_sum);

// Status counts of a batch: verifier name -> status -> count.
nlohmann::json status_counts(const RolloutBatch& rb, const rewards::RewardService& service);

std::string fixed(double v, int digits);  // "0.1250"
std::string sci(double v);                // "3.0e-04"

}  // namespace rlvr::trainer
