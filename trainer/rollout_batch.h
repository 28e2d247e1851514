// One rollout batch of the run: G completions per prompt from the rollout engine, scored by the
// reward service. Shared by the GRPO step and evaluation.
#pragma once

#include <cstdint>
#include <vector>

#include "model/tokenizer.h"
#include "model/transformer.h"
#include "rewards/reward_service.h"
#include "rollout/generation.h"
#include "trainer/dataset.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

struct RolloutBatch {
  std::vector<const Example*> prompts;        // one per group
  std::vector<rollout::Completion> samples;   // group by group: prompts.size() * G
  std::vector<rewards::ScoredSample> scores;  // one per sample
  rollout::GenerationStats gen;
  double rollout_seconds = 0, reward_seconds = 0;
  int group_size = 0;
  const Example& prompt_of(size_t sample) const { return *prompts[sample / size_t(group_size)]; }
};

struct RolloutRequest {
  int group_size = 1;
  SamplingParams sampling;
  uint64_t seed = 0;
};

RolloutBatch collect_rollouts(model::Transformer& policy, const Tokenizer& tokenizer, rewards::RewardService& service,
                              const RunConfig& cfg, const std::vector<const Example*>& prompts,
                              const RolloutRequest& request);

// A status per sample from the first verifier ("correct" counts towards accuracy).
double accuracy(const RolloutBatch& b);

// The sampling seed of a step: distinct per (run seed, purpose, step), stable across resumes.
uint64_t step_seed(uint64_t run_seed, uint64_t purpose, int64_t step);

}  // namespace rlvr::trainer
