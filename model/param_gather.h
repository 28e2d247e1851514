// Parameters held in shards (ZeRO-3, run.shard_params): a model's parameters exist whole only
// between acquire and release of the unit they belong to. Units: kOuterUnit (embedding, final
// norm, output head) and one per decoder layer (unit l + 1 for layer l). Transformer::forward and
// backward call these around each block when a gather is set (Transformer::set_param_gather);
// every call is collective, so every rank must run the same passes.
#pragma once

#include <string>

#include "model/config.h"

namespace rlvr::model {

inline constexpr int kOuterUnit = 0;
inline int layer_unit(int layer) { return layer + 1; }
// The unit a parameter belongs to, from its name (model.layers.N.* is layer N's; the rest outer).
int param_unit(const std::string& name, const ModelConfig& cfg);

class ParamGather {
 public:
  virtual ~ParamGather() = default;
  // Makes the unit's parameters whole (a no-op when they are); with_grads: also their gradients
  // (zeros), which backward accumulates into.
  virtual void acquire(int unit, bool with_grads) = 0;
  // Frees the unit's parameters (and their low-precision copies); with_grads: first hands their
  // gradients to the ranks that own each part (summed over ranks) and frees them too.
  virtual void release(int unit, bool with_grads) = 0;
  // Gradients handed over so far count for nothing (the start of an optimizer step's passes).
  virtual void zero_grads() = 0;
};

}  // namespace rlvr::model
