// One SwiGLU expert, down(silu(gate x) * up x), forward and backward over the rows routed to it,
// as model/transformer.cpp computes its experts (same Linear options: power-of-2 scales for the
// dispatch payload entering gate/up and for the gradient entering down; SwiGLU's output is
// recomputed in backward, not cached).
#pragma once

#include "model/transformer.h"

namespace rlvr::dist {

// y [N, C] (allocated); x [N, C]; cache filled for backward.
void expert_mlp_forward(Tensor& y, const Tensor& x, const model::MlpWeights& w, model::Precision p,
                        model::MlpCache& cache);
// dx [N, C] (allocated) from dy [N, C]; the weights' grads are accumulated.
void expert_mlp_backward(Tensor& dx, const Tensor& dy, model::MlpWeights& w, model::MlpCache& cache);

}  // namespace rlvr::dist
