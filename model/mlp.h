// The SwiGLU MLP, down(silu(gate x) * up x), forward and backward: the dense layers, the shared
// experts and every routed expert run through these two. SwiGLU's output is not cached:
// backward recomputes it from the cached gate and up outputs.
#pragma once

#include "model/linear.h"
#include "model/weights.h"

namespace rlvr::model {

struct MlpCache {
  LinearCache gate, up, down;  // down: filled in backward from the recomputed SwiGLU output
  LinearOptions down_opts;
  Tensor g, u;  // SwiGLU inputs [N, F]
  size_t cached_bytes() const;  // g, u and the gate/up inputs (down's input is recomputed)
};

// y [N, C] (allocated when undefined, else written in place) from x [N, C] on x's device; cache
// (may be null; must be with decode GEMMs) filled for backward. in_opts apply to the gate and up
// projections, down_opts to the down projection.
void mlp_forward(Tensor& y, const Tensor& x, const MlpWeights& w, const Gemms& gemms, MlpCache* cache,
                 LinearOptions in_opts = {}, LinearOptions down_opts = {});
// dx [N, C] (allocated when undefined, else written in place) from dy [N, C]; the weights'
// grads are accumulated.
void mlp_backward(Tensor& dx, const Tensor& dy, MlpWeights& w, MlpCache& cache);

}  // namespace rlvr::model
