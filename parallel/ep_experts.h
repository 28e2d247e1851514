// Expert parallelism for a whole Transformer: every MoE layer's routed experts run through an
// ExpertParallelMoe over one communicator (rank r runs experts [r*E/W, (r+1)*E/W) of every
// layer, for the tokens of all ranks). Pass it to Transformer::forward; backward follows.
//
// The Transformer keeps all experts' weights (rollout decodes on one rank without exchanges);
// an expert's weights get gradients only on its owner and zeros elsewhere, so a sum over ranks
// (the data-parallel gradient reduction) gives every parameter its full gradient.
// Collective: every rank must run the same sequence of forwards and backwards.
#pragma once

#include <utility>
#include <vector>

#include "parallel/ep_moe.h"
#include "model/routed_experts.h"

namespace rlvr::parallel {

class ExpertParallelExperts : public model::RoutedExperts {
 public:
  // Checks that the ranks divide num_experts.
  ExpertParallelExperts(Communicator& comm, const model::ModelConfig& cfg);

  void forward(int layer, Tensor& y, const Tensor& h, const model::MoeWeights& w, model::Precision p,
               std::vector<int64_t>* load) override;
  void backward(int layer, Tensor& dh, const Tensor& dy, model::MoeWeights& w) override;

  int first_expert() const { return moe_.first_expert(); }
  int local_experts() const { return moe_.local_experts(); }
  // Payload bytes this rank has sent to other ranks in dispatches (all layers and passes) since
  // the last call; the count restarts at zero.
  size_t take_dispatch_bytes() { return std::exchange(dispatch_bytes_, 0); }

 private:
  ExpertParallelMoe moe_;
  std::vector<EpMoeCache> caches_;  // per layer: the last forward's, for its backward
  size_t dispatch_bytes_ = 0;
};

}  // namespace rlvr::parallel
