// Expert-parallel MoE layer: the routed experts are split across the ranks of a communicator
// (rank r owns experts [r*E/W, (r+1)*E/W)); each rank routes its own tokens, dispatches each
// (token, expert) row to the expert's rank with all_to_all, the experts run there, and the
// outputs come back to be combined with the gates. DeepSeek-V3's recipe:
//   dispatch payload  FP8 E4M3 in 1x128 tiles with power-of-2 FP32 scales (precision fp8);
//   combine           BF16, forward and backward (precision fp8 and bf16);
// and in precision fp32 every exchange is FP32, so the layer equals the single-rank one exactly.
// The router is replicated: its gradient here is this rank's tokens' share, to be all-reduced
// with the other data-parallel gradients. Expert weights get gradients only on their owner.
#pragma once

#include <cstdint>
#include <vector>

#include "parallel/communicator.h"
#include "model/transformer.h"

namespace rlvr::parallel {

// What backward needs from forward, plus the exchange layout.
struct EpMoeCache {
  model::Precision precision = model::Precision::FP32;
  Tensor h, expert_ids, gates, scores;   // this rank's tokens and routing
  Permutation perm;                      // over all E experts
  Tensor combined_out;                   // [R, C] expert outputs back in permuted order (F32)
  std::vector<size_t> send_rows;         // [W] rows sent to each rank
  std::vector<size_t> recv_rows;         // [W] rows received from each rank
  std::vector<int64_t> expert_begin;     // [E/W + 1] local experts' row ranges, expert-major
  std::vector<int64_t> expert_row_of_recv;  // [Rr] received row (source-major) -> expert-major row
  std::vector<model::MlpCache> experts;  // per local expert
  size_t dispatch_bytes = 0;             // payload bytes this rank sent in the last dispatch
};

class ExpertParallelMoe {
 public:
  // Checks that W divides num_experts; shared experts are not part of this layer (run them
  // locally, they are replicated like a dense MLP).
  ExpertParallelMoe(Communicator& comm, const model::ModelConfig& cfg);

  int first_expert() const { return first_; }
  int local_experts() const { return local_; }

  // h [T, C], this rank's tokens (T may differ between ranks) -> y [T, C] (allocated).
  // w.router [E, C] and w.expert_bias as the model has them; w.experts holds either this rank's
  // local_experts() experts only (expert first_expert() + i at index i) or all E (only the local
  // ones are read, and only theirs get gradients). load (optional) gets
  // this rank's tokens per expert [E].
  void forward(Tensor& y, const Tensor& h, const model::MoeWeights& w, model::Precision p, EpMoeCache& cache,
               std::vector<int64_t>* load = nullptr);
  // dy [T, C] -> dh [T, C] (allocated); accumulates w.router.grad and the local experts' grads.
  void backward(Tensor& dh, const Tensor& dy, model::MoeWeights& w, EpMoeCache& cache);

 private:
  size_t local_index(const model::MoeWeights& w, int i) const;  // of local expert i in w.experts

  Communicator& comm_;
  model::ModelConfig cfg_;
  int world_ = 1, first_ = 0, local_ = 0;
};

}  // namespace rlvr::parallel
