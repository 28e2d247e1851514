// ZeRO-3 for a model (run.shard_params): the parameters ZeRO-1 updates in slices are held in
// slices too. Between uses no rank holds their values, gradients or FP8/BF16 copies; each unit
// (the embedding with the final norm and head, and every decoder layer) is gathered from the
// ranks' master slices before its block runs and freed after, its gradients summed onto the
// ranks that own each part (parallel::ShardedAdamW::gather_range, reduce_range_grads). Routed
// experts under expert parallelism and untrained tensors (the selection bias) stay whole on
// their rank.
//
//   ShardedAdamW opt(comm, params, hp, {.shard_params = true});
//   ParamShards shards(model, opt);   // releases every sharded parameter; model.forward/backward gather
//   ... forward, backward ...; shards.release_all(); opt.step();
#pragma once

#include <cstddef>
#include <vector>

#include "model/param_gather.h"
#include "model/transformer.h"
#include "parallel/sharded_adamw.h"

namespace rlvr::parallel {

class ParamShards final : public model::ParamGather {
 public:
  // Collective. opt holds (some of) model's parameters by name, made with ZeroOptions::
  // shard_params; they are released here and the model gathers them from now on.
  ParamShards(model::Transformer& model, ShardedAdamW& opt);
  ~ParamShards() override;  // detaches from the model, which keeps what it holds then

  void acquire(int unit, bool with_grads) override;
  void release(int unit, bool with_grads) override;
  void zero_grads() override;

  // Collective. Every unit whole (a checkpoint, the rollout's copy of the model) ...
  void acquire_all();
  // ... and every unit released, the gradients of those holding any handed over first (before
  // an optimizer step, whose new masters the next gather reads).
  void release_all();
  // Collective: every parameter whole in the model again, for good (another optimizer takes it).
  void restore();
  // Collective. The model's weights with every unit whole, gathered one unit at a time: each is
  // shared into the copy, its Linears reduced there to precision keep's copies (fp32: kept
  // whole), and released from the model, so that at most one unit is held in F32 beside the
  // copies (what a rollout in that precision reads).
  model::ModelWeights whole_copy(model::Precision keep);

 private:
  struct Range {
    size_t first = 0, last = 0;  // adjacent parameters of the optimizer's flat order
  };
  struct Unit {
    std::vector<Range> ranges;
    std::vector<size_t> params;  // the optimizer's indices
    bool held = false;
    std::vector<Tensor> grads;   // while backward runs: one buffer per range, the gradients its views
  };
  void free_param(size_t i);

  model::Transformer& model_;
  ShardedAdamW& opt_;
  std::vector<Unit> units_;
  std::vector<model::LinearWeight*> linear_;  // per optimizer parameter: its Linear, or null
};

}  // namespace rlvr::parallel
