// DeepSeek-V3's auxiliary-loss-free load balancing: after each training step, every routed
// expert's selection bias moves by `rate` towards balance (down when the expert took more than
// its share of tokens, up when less). The bias affects which experts are chosen, not the gates.
#pragma once

#include "model/transformer.h"

namespace rlvr::model {

// Adds one forward's router load into a running total (same layout as RouterStats::load).
void accumulate_load(RouterStats& total, const RouterStats& step);

// Applies the update from the load counted over a step; no-op for layers without a bias.
void update_expert_bias(Transformer& model, const RouterStats& load, float rate);

}  // namespace rlvr::model
