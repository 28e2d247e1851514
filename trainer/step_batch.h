// One GRPO step's rollouts on this rank, from whichever generated them (the learner itself, or
// the pipeline's generator thread): the step's prompts for all ranks (for the data-parallel
// gather) and this rank's scored samples.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "trainer/data_order.h"
#include "trainer/rollout_batch.h"

namespace rlvr::trainer {

struct RunContext;  // trainer/run_context.h

struct StepBatch {
  int64_t step = 0;            // the GRPO step it is for
  int64_t policy_version = 0;  // GRPO updates applied to the weights that generated it
  std::vector<const Example*> all_prompts;  // the step's prompts, every rank's
  RolloutBatch local;                       // this rank's block, scored
};

// Draws the step's prompts from `order` and generates and scores this rank's block with
// `generator` (the policy, or a copy of it at `policy_version` updates), the overlong penalty
// added to each reward. With algorithm.dynamic_sampling = "refill" (one process) it draws more
// batches of prompts_per_step prompts until that many groups have differing rewards, at most
// dynamic_sampling_max_batches in all; the result depends only on the run's seed and order.
StepBatch generate_step_batch(RunContext& run, model::Transformer& generator, DataOrder& order, int64_t step,
                              int64_t policy_version);

// A checkpoint's copy of batches in flight (this rank's), and back; prompts are stored as
// indices into the run's training examples.
std::string encode_step_batches(const RunContext& run, const std::deque<StepBatch>& batches);
std::deque<StepBatch> decode_step_batches(const RunContext& run, const std::string& bytes, const std::string& source);

}  // namespace rlvr::trainer
