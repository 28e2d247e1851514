// Expert parallelism over all MoE layers of a Transformer (see ep_experts.h).
#include "parallel/ep_experts.h"

#include "common/error.h"

namespace rlvr::parallel {

ExpertParallelExperts::ExpertParallelExperts(Communicator& comm, const model::ModelConfig& cfg)
    : moe_(comm, cfg), caches_(size_t(cfg.num_hidden_layers)) {}

void ExpertParallelExperts::forward(int layer, Tensor& y, const Tensor& h, const model::MoeWeights& w,
                                    model::Precision p, std::vector<int64_t>* load) {
  RLVR_CHECK(layer >= 0 && size_t(layer) < caches_.size(), "parallel", "expert parallelism: no MoE layer ", layer);
  EpMoeCache& c = caches_[size_t(layer)];
  moe_.forward(y, h, w, p, c, load);
  dispatch_bytes_ += c.dispatch_bytes;
}

void ExpertParallelExperts::backward(int layer, Tensor& dh, const Tensor& dy, model::MoeWeights& w) {
  RLVR_CHECK(layer >= 0 && size_t(layer) < caches_.size(), "parallel", "expert parallelism: no MoE layer ", layer);
  moe_.backward(dh, dy, w, caches_[size_t(layer)]);
}

}  // namespace rlvr::parallel
