// Router replay on the learner's side: the rollout's expert choices of each completion token
// (TrainSequence::routes) laid out for a forward over packed sequences (model::Batch::routes).
#pragma once

#include <vector>

#include "model/batch.h"
#include "model/config.h"
#include "trainer/learner.h"

namespace rlvr::trainer {

// i32 [M, T, k] on the CPU for the M MoE layers: sequence s's completion token i's choices at
// the packed position that predicts it (batch.seq_offsets[s] + prompt_len - 1 + i), -1 rows
// elsewhere (prompt tokens route live). seqs[s] is the batch's s-th sequence. Undefined when no
// sequence has routes or the model has no MoE layer; throws for routes of the wrong size or an
// expert id outside the model.
Tensor packed_routes(const model::ModelConfig& cfg, const model::Batch& batch,
                     const std::vector<const TrainSequence*>& seqs);

}  // namespace rlvr::trainer
