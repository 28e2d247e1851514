// Data parallel: the step's whole rollout batch on every rank, assembled from each rank's block
// of sample records (completions, verdicts, advantages, learner log-probs), so that metrics and
// rollouts.jsonl are computed from exactly what one process would have held.
#pragma once

#include <vector>

#include "parallel/communicator.h"
#include "trainer/rollout_batch.h"

namespace rlvr::trainer {

// local: this rank's block of the batch, whose prompts are all_prompts[first, first + local
// groups) with first from the ranks before it. Token and time statistics are summed and maxed.
RolloutBatch gather_rollouts(parallel::Communicator* comm, const RolloutBatch& local,
                             const std::vector<const Example*>& all_prompts);

}  // namespace rlvr::trainer
