// AdamW over every trainable parameter of a model: FP32 master weights and gradients, BF16
// first and second moments (DESIGN.md), global gradient-norm clipping.
#pragma once

#include <vector>

#include "kernels/ops_adamw.h"
#include "model/weights.h"

namespace rlvr::trainer {

struct OptimizerConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
  float weight_decay = 0.0f;
  float grad_clip = 1.0f;  // max global L2 norm; 0 disables
};

class AdamW {
 public:
  AdamW(std::vector<model::ParamRef> params, OptimizerConfig cfg);
  // Clips, updates every parameter with learning rate lr, bumps the Linear weight versions so
  // the low-precision copies are rebuilt, and returns the gradient norm before clipping.
  double step(float lr);
  int64_t steps_taken() const { return step_; }
  void set_steps_taken(int64_t s) { step_ = s; }
  // Moments by parameter name, for checkpoints.
  std::vector<std::pair<std::string, Tensor*>> state();

 private:
  std::vector<model::ParamRef> params_;
  std::vector<Tensor> m_, v_;  // BF16, one pair per parameter
  OptimizerConfig cfg_;
  int64_t step_ = 0;
};

double global_grad_norm(const std::vector<model::ParamRef>& params);

}  // namespace rlvr::trainer
