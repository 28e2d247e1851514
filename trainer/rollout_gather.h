// Rollout batches as documents: gathered across data-parallel ranks (the step's whole batch on
// every rank, assembled from each rank's block of sample records, so that metrics and
// rollouts.jsonl are computed from exactly what one process would have held) and kept in
// checkpoints (the pipeline's batches in flight). Records travel as CBOR: exact for floats and
// doubles, and indifferent to completions that are not valid UTF-8.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "parallel/communicator.h"
#include "trainer/rollout_batch.h"

namespace rlvr::trainer {

nlohmann::json batch_to_json(const RolloutBatch& batch);
// prompts: the document's groups in order; each sample's prompt_index is its group's position
// plus prompt_index_offset.
RolloutBatch batch_from_json(const nlohmann::json& doc, const std::vector<const Example*>& prompts,
                             int prompt_index_offset, int group_size);

// local: this rank's block of the batch, whose prompts are all_prompts[first, first + local
// groups) with first from the ranks before it. Token and time statistics are summed and maxed.
RolloutBatch gather_rollouts(parallel::Communicator* comm, const RolloutBatch& local,
                             const std::vector<const Example*>& all_prompts);

}  // namespace rlvr::trainer
