// Private to model/: small helpers shared by the forward and backward passes.
#pragma once

#include "kernels/ops_moe.h"
#include "kernels/tensor.h"
#include "model/config.h"

namespace rlvr::model::detail {

inline Tensor empty_f32(Shape s) { return Tensor::empty(std::move(s), DType::F32); }

// a += b, elementwise (the residual stream's adds).
inline void add_inplace(Tensor& a, const Tensor& b) {
  float* x = a.data<float>();
  const float* y = b.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) x[i] += y[i];
}

inline RoutingConfig routing_config(const ModelConfig& cfg) {
  RoutingConfig r;
  r.top_k = cfg.num_experts_per_tok;
  r.scoring = cfg.scoring_func == "sigmoid" ? RouterScoring::Sigmoid : RouterScoring::Softmax;
  r.normalize = cfg.norm_topk_prob;
  r.scaling = cfg.routed_scaling_factor;
  return r;
}

}  // namespace rlvr::model::detail
