// Expert parallelism's weights: each rank holds its share of every MoE layer's routed experts
// (model::ExpertRange::of_rank: rank r holds experts [r*E/W, (r+1)*E/W)) with their gradients,
// low-precision copies and optimizer state; nothing else of them lives on that rank. Rollout and
// evaluation decode on each rank alone, so they run on a whole model gathered for the occasion
// (gather_experts) and freed after it.
#pragma once

#include "model/transformer.h"
#include "parallel/communicator.h"

namespace rlvr::parallel {

// This rank's routed experts when comm's ranks split the model's (they must divide evenly).
model::ExpertRange expert_share(const Communicator& comm, const model::ModelConfig& cfg);

// Collective. A model with every routed expert, from `shard` (which holds this rank's share):
// it shares shard's tensors (the dense parameters, this rank's experts) and holds F32 copies of
// the other ranks' experts, all-gathered layer by layer, on shard's device. A shard holding every
// expert already is returned as a copy sharing all its tensors. keep (bf16, fp8): each layer's
// Linears are reduced to that precision's copy as soon as the layer is gathered
// (LinearWeight::keep_only), so the copy holds no F32 Linear weight: what a rollout in that
// precision reads. shard keeps its own.
model::Transformer gather_experts(model::Transformer& shard, Communicator& comm,
                                  model::Precision keep = model::Precision::FP32);

}  // namespace rlvr::parallel
