// The routed-expert block of a MoE layer: route each token to its top-k experts (router in
// FP32), permute the rows expert by expert, run the experts, combine their outputs with the
// gates, and add the shared experts. Who runs the routed experts is a parameter
// (RoutedExperts): every expert on this process (LocalExperts, with batch or decode GEMMs), or
// an exchange across ranks (expert parallelism, parallel/ep_experts.h). The routing, the
// combine and the router's gradient are here, once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernels/ops_moe.h"
#include "model/config.h"
#include "model/mlp.h"
#include "model/weights.h"

namespace rlvr::model {

class RoutedExperts;

// What a RoutedExperts implementation keeps between forward and backward besides the experts'
// MLP caches (expert parallelism: the exchange layout).
struct ExpertsState {
  virtual ~ExpertsState() = default;
};

struct MoeCache {
  Tensor h;                          // block input [T, C] (the router's input, FP32)
  Tensor expert_ids, gates, scores;  // routing: [T, k], [T, k], [T, E]
  Permutation perm;
  Tensor expert_out;                 // [R, C] the routed experts' outputs, permuted order
  std::vector<MlpCache> experts;     // per expert this process ran
  std::shared_ptr<ExpertsState> state;
  MlpCache shared;
  RoutedExperts* routed = nullptr;   // who ran the routed experts (backward goes through it)
  size_t cached_bytes() const;
};

// Computes the routed experts' rows: in permuted order, rows [perm.offsets[e], perm.offsets[e+1])
// belong to expert e.
class RoutedExperts {
 public:
  virtual ~RoutedExperts() = default;
  // out [R, C] (allocated) from xp [R, C]; cache (null: no backward) keeps the experts' caches.
  virtual void forward(Tensor& out, const Tensor& xp, const Permutation& perm, const MoeWeights& w,
                       const Gemms& gemms, MoeCache* cache) = 0;
  // dxp [R, C] (allocated) from dout [R, C]; accumulates the grads of the experts run here.
  virtual void backward(Tensor& dxp, const Tensor& dout, MoeWeights& w, MoeCache& cache) = 0;
};

// Every expert on this process, one GEMM group per expert over its rows.
class LocalExperts final : public RoutedExperts {
 public:
  void forward(Tensor& out, const Tensor& xp, const Permutation& perm, const MoeWeights& w, const Gemms& gemms,
               MoeCache* cache) override;
  void backward(Tensor& dxp, const Tensor& dout, MoeWeights& w, MoeCache& cache) override;
};
RoutedExperts& local_experts();

// Expert i's SwiGLU MLP over rows [offsets[i], offsets[i+1]) of x, written to the same rows of
// out (allocated zeros), with the recipe's options for routed experts; caches (null: none) gets
// one entry per expert. The loop every RoutedExperts implementation runs over its experts.
void expert_mlps_forward(Tensor& out, const Tensor& x, const std::vector<int64_t>& offsets,
                         std::span<const MlpWeights> experts, const Gemms& gemms, std::vector<MlpCache>* caches);
// dx (allocated zeros) from dout, rows as in the forward; accumulates the experts' grads.
void expert_mlps_backward(Tensor& dx, const Tensor& dout, const std::vector<int64_t>& offsets,
                          std::span<MlpWeights> experts, std::vector<MlpCache>& caches);

// Router replay and recording for one MoE layer's tokens.
struct LayerRoutes {
  Tensor recorded;      // i32 [T, k]: as Batch::routes for this layer; undefined: none
  bool replay = false;  // recorded tokens take their recorded experts (replay_route)
  Tensor counts;        // i32 [2] accumulated by replay_route: matches, records
  Tensor record;        // i32 [T, k]: receives the choices made; undefined: not kept
};

// The router's top-k settings (k, scoring function, normalization, scaling, group limit) from the config.
RoutingConfig routing_config(const ModelConfig& cfg);

// y [T, C] (allocated) from h [T, C]. cache may be null (no backward); load (may be null) gets
// this process's tokens per expert [E]; routes (may be null): replay and recording.
void moe_forward(Tensor& y, const Tensor& h, const MoeWeights& w, const ModelConfig& cfg, const Gemms& gemms,
                 RoutedExperts& routed, MoeCache* cache, std::vector<int64_t>* load = nullptr,
                 LayerRoutes* routes = nullptr);
// dh [T, C] (allocated) from dy [T, C], after moe_forward with a cache; accumulates the router's
// grad (this process's tokens' share) and the grads of the experts that ran here.
void moe_backward(Tensor& dh, const Tensor& dy, MoeWeights& w, const ModelConfig& cfg, MoeCache& cache);

}  // namespace rlvr::model
