// Expert parallelism: the routed experts of every MoE layer are split across the ranks of a
// communicator (rank r owns experts [r*E/W, (r+1)*E/W)). Plugged into the MoE block
// (model/moe.h) as its RoutedExperts, it keeps only the exchange: each (token, expert) row the
// block permuted goes to the expert's rank with all_to_all, the local experts run there, and
// the outputs come back to be combined by the block. DeepSeek-V3's recipe:
//   dispatch payload  FP8 E4M3 in 1x128 tiles with power-of-2 FP32 scales (precision fp8);
//   combine           BF16, forward and backward (precision fp8 and bf16);
// and in precision fp32 every exchange is FP32, so the layer equals the single-rank one exactly.
// The router stays replicated (its gradient is this rank's tokens' share, all-reduced with the
// other data-parallel gradients); an expert's weights get gradients only on its owner.
//
// A MoeWeights may hold either this rank's local_experts() experts only (expert first_expert()
// + i at index i) or all E (only the local ones are read; the Transformer keeps all, so that
// rollout decodes on one rank without exchanges). Collective: every rank must run the same
// sequence of forwards and backwards. Device rows go straight to a device-buffer backend
// (NCCL); otherwise they travel through host memory.
#pragma once

#include <utility>

#include "model/moe.h"
#include "parallel/communicator.h"

namespace rlvr::parallel {

class ExpertParallelExperts final : public model::RoutedExperts {
 public:
  // Checks that the ranks divide num_experts; shared experts stay with the block (replicated).
  ExpertParallelExperts(Communicator& comm, const model::ModelConfig& cfg);

  void forward(Tensor& out, const Tensor& xp, const Permutation& perm, const model::MoeWeights& w,
               const model::Gemms& gemms, model::MoeCache* cache) override;
  void backward(Tensor& dxp, const Tensor& dout, model::MoeWeights& w, model::MoeCache& cache) override;

  int first_expert() const { return first_; }
  int local_experts() const { return local_; }
  // Payload bytes this rank has sent to other ranks in dispatches since the last call; the
  // count restarts at zero.
  size_t take_dispatch_bytes() { return std::exchange(dispatch_bytes_, 0); }

 private:
  // Index in w.experts of local expert 0 (w holds the local experts only, or all); checks the count.
  size_t local_offset(const model::MoeWeights& w) const;

  Communicator& comm_;
  int world_ = 1, first_ = 0, local_ = 0, num_experts_ = 0;
  size_t dispatch_bytes_ = 0;
};

}  // namespace rlvr::parallel
