// The SwiGLU MLP, down(silu(gate x) * up x), forward and backward: the dense layers, the shared
// experts and every routed expert (here and in parallel/ep_moe.cpp) run through these two.
// SwiGLU's output is not cached: backward recomputes it from the cached gate and up outputs.
#pragma once

#include "model/transformer.h"

namespace rlvr::model {

// y [N, C] (allocated) from x [N, C] on x's device; cache (may be null) filled for backward.
// in_opts apply to the gate and up projections, down_opts to the down projection.
void mlp_forward(Tensor& y, const Tensor& x, const MlpWeights& w, Precision p, MlpCache* cache,
                 LinearOptions in_opts = {}, LinearOptions down_opts = {});
// dx [N, C] (allocated) from dy [N, C]; the weights' grads are accumulated.
void mlp_backward(Tensor& dx, const Tensor& dy, MlpWeights& w, MlpCache& cache);

}  // namespace rlvr::model
