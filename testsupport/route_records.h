// Router replay's test inputs: the expert choices a forward made, and another model's choices laid
// out as model::Batch::routes (same architecture, other weights: other routing).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/transformer.h"
#include "model/weights.h"

namespace rlvr::testsupport {

// Every MoE layer's expert_ids of a forward with a cache, flat [M, T, k].
inline std::vector<int32_t> expert_choices(const model::ForwardCache& cache) {
  std::vector<int32_t> ids;
  for (const model::LayerCache& l : cache.layers)
    if (l.moe.expert_ids.defined()) {
      const int32_t* p = l.moe.expert_ids.data<int32_t>();
      ids.insert(ids.end(), p, p + l.moe.expert_ids.numel());
    }
  return ids;
}

// i32 [M, T, k] on the host: the FP32 choices over `batch` of a model with init_weights(seed,
// std), -1 rows for the tokens t where has_record(t) is false.
inline Tensor foreign_routes(const model::ModelConfig& cfg, const model::Batch& batch, uint64_t seed, float std,
                             const std::function<bool(int64_t)>& has_record) {
  model::Transformer other(cfg);
  model::init_weights(cfg, other.weights(), seed, std);
  model::ForwardCache cache;
  other.forward(batch, model::Precision::FP32, &cache);
  const std::vector<int32_t> ids = expert_choices(cache);
  const int64_t T = batch.n_tokens(), K = cfg.num_experts_per_tok;
  Tensor routes = Tensor::empty({cfg.n_moe_layers(), T, K}, DType::I32);
  for (size_t i = 0; i < ids.size(); ++i) routes.data<int32_t>()[i] = has_record(int64_t(i) / K % T) ? ids[i] : -1;
  return routes;
}

}  // namespace rlvr::testsupport
