// Who runs a MoE layer's routed experts in a training forward/backward. By default the
// Transformer runs all of them itself; an implementation of this interface (expert
// parallelism, parallel/ep_layer.h) takes over the router, the dispatch, the experts and the
// gated combine, while the shared experts stay with the Transformer.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"
#include "model/config.h"
#include "model/weights.h"

namespace rlvr::model {

class RoutedExperts {
 public:
  virtual ~RoutedExperts() = default;
  // y [T, C] (allocated): the gated sum of the routed experts for h [T, C] of MoE layer `layer`.
  // load (may be null) gets this process's tokens per expert [E]. Keeps what backward needs.
  virtual void forward(int layer, Tensor& y, const Tensor& h, const MoeWeights& w, Precision p,
                       std::vector<int64_t>* load) = 0;
  // dh [T, C] (allocated) from dy [T, C], after a forward of the same layer; accumulates the
  // router's gradient and the gradients of the experts this process runs.
  virtual void backward(int layer, Tensor& dh, const Tensor& dy, MoeWeights& w) = 0;
};

}  // namespace rlvr::model
