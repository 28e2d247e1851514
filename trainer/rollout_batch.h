// One rollout batch of the run: G completions per prompt from the rollout engine, scored by the
// reward service, one record per sample that the GRPO step fills in (advantage, learner
// log-probs) and the logs read. Shared by the GRPO step and evaluation.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "model/tokenizer.h"
#include "model/transformer.h"
#include "rewards/reward_service.h"
#include "rollout/generation.h"
#include "trainer/dataset.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

// One sample, from generation to the logs.
struct SampleRecord {
  const Example* prompt = nullptr;
  rollout::Completion completion;  // tokens, their sampling log-probs, text, finish reason
  rewards::ScoredSample score;     // the weighted reward and every verifier's verdict
  float advantage = 0;
  bool kept = true;                // false when its group was dropped (all rewards equal)
  double learner_logprob = std::nan("");  // sum over the completion before the update; NaN: not trained
  int64_t policy_version = 0;      // GRPO updates applied to the weights that generated it
  std::vector<uint16_t> routes;    // the rollout's expert choices (rollout::Completion::routes)

  bool trained() const { return !std::isnan(learner_logprob); }
  // Each token's log-prob under the distribution the sampler drew it from (with top-k / top-p the
  // filtered one), and their sum.
  const std::vector<float>& rollout_logprobs() const;
  double rollout_logprob() const;
};

struct RolloutBatch {
  std::vector<const Example*> prompts;  // one per group
  std::vector<SampleRecord> samples;    // group by group: prompts.size() * group_size
  int group_size = 0;
  rollout::GenerationStats gen;
  double rollout_seconds = 0, reward_seconds = 0;
};

struct RolloutRequest {
  int group_size = 1;
  SamplingParams sampling;
  uint64_t seed = 0;
  int64_t first_prompt_index = 0;  // data parallel: index of prompts[0] in the step's whole batch
  int64_t policy_version = 0;      // recorded in every sample
  bool record_routes = false;      // keep each token's expert choices (SampleRecord::routes)
};

RolloutBatch collect_rollouts(model::Transformer& policy, const Tokenizer& tokenizer, rewards::RewardService& service,
                              const RunConfig& cfg, const std::vector<const Example*>& prompts,
                              const RolloutRequest& request);

// A status per sample from the first verifier ("correct" counts towards accuracy).
double accuracy(const RolloutBatch& b);

// The sampling seed of a step: distinct per (run seed, purpose, step), stable across resumes.
uint64_t step_seed(uint64_t run_seed, uint64_t purpose, int64_t step);

}  // namespace rlvr::trainer
