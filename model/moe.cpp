// The MoE block (see moe.h): routing, permutation, combine, shared experts and the router's
// gradient, around whichever RoutedExperts runs the experts.
#include "model/moe.h"

#include "kernels/gemm.h"
#include "kernels/ops.h"
#include "model/layer_helpers.h"

namespace rlvr::model {

using detail::empty_f32;
using detail::grad_of;

namespace {

// Recipe: power-of-2 scales for the dispatch payload (the experts' input) and for the
// activation gradient entering the expert down projection.
constexpr LinearOptions kExpertInput{true, false}, kExpertDown{false, true};

}  // namespace

size_t MoeCache::cached_bytes() const {
  size_t n = shared.cached_bytes();
  for (const MlpCache& e : experts) n += e.cached_bytes();
  for (const Tensor* t : {&h, &gates, &scores, &expert_ids, &expert_out}) n += t->defined() ? t->nbytes() : 0;
  return n;
}

RoutingConfig routing_config(const ModelConfig& cfg) {
  RoutingConfig r;
  r.top_k = cfg.num_experts_per_tok;
  r.scoring = cfg.scoring_func == "sigmoid" ? RouterScoring::Sigmoid : RouterScoring::Softmax;
  r.normalize = cfg.norm_topk_prob;
  r.scaling = cfg.routed_scaling_factor;
  r.n_group = cfg.n_group;
  r.topk_group = cfg.topk_group;
  return r;
}

namespace {

// expert_mlps_forward of an fp8 decode pass: every expert's gate and up in one call (the rows
// quantized once), SwiGLU per expert, then every down projection in one call. Each expert gets
// the bits of its own mlp_forward.
void expert_mlps_decode(Tensor& out, const Tensor& x, const std::vector<int64_t>& offsets,
                        std::span<const MlpWeights> experts, const Gemms& gemms) {
  const size_t E = experts.size();
  const int64_t width = E ? experts[0].gate.out_features() : 0;
  std::vector<Tensor> g(E), u(E), a(E), y(E);
  std::vector<Gemms::Out> gate_up, down;
  for (size_t e = 0; e < E; ++e)
    if (offsets[e + 1] > offsets[e]) {
      gate_up.push_back({&g[e], &experts[e].gate, offsets[e], offsets[e + 1]});
      gate_up.push_back({&u[e], &experts[e].up, offsets[e], offsets[e + 1]});
    }
  gemms.linears(gate_up, x, kExpertInput);
  Tensor act = empty_f32({x.dim(0), width}, x.device());  // every row belongs to one expert's range
  for (size_t e = 0; e < E; ++e)
    if (offsets[e + 1] > offsets[e]) {
      a[e] = act.slice_rows(offsets[e], offsets[e + 1]);
      swiglu_forward(a[e], g[e], u[e]);
      y[e] = out.slice_rows(offsets[e], offsets[e + 1]);
      down.push_back({&y[e], &experts[e].down, offsets[e], offsets[e + 1]});
    }
  gemms.linears(down, act, kExpertDown);
}

bool same_widths(std::span<const MlpWeights> experts) {
  for (const MlpWeights& w : experts)
    if (w.gate.out_features() != experts[0].gate.out_features()) return false;
  return true;
}

}  // namespace

void expert_mlps_forward(Tensor& out, const Tensor& x, const std::vector<int64_t>& offsets,
                         std::span<const MlpWeights> experts, const Gemms& gemms, std::vector<MlpCache>* caches) {
  out = Tensor::zeros(x.shape(), DType::F32, x.device());
  if (!caches && gemms.decode && gemms.precision == Precision::FP8 && same_widths(experts))
    return expert_mlps_decode(out, x, offsets, experts, gemms);
  if (caches) caches->assign(experts.size(), MlpCache{});
  for (size_t e = 0; e < experts.size(); ++e) {
    const int64_t r0 = offsets[e], r1 = offsets[e + 1];
    if (r1 == r0) continue;
    Tensor rows = out.slice_rows(r0, r1);
    mlp_forward(rows, x.slice_rows(r0, r1), experts[e], gemms, caches ? &(*caches)[e] : nullptr, kExpertInput,
                kExpertDown);
  }
}

void expert_mlps_backward(Tensor& dx, const Tensor& dout, const std::vector<int64_t>& offsets,
                          std::span<MlpWeights> experts, std::vector<MlpCache>& caches) {
  dx = Tensor::zeros(dout.shape(), DType::F32, dout.device());
  for (size_t e = 0; e < experts.size(); ++e) {
    const int64_t r0 = offsets[e], r1 = offsets[e + 1];
    if (r1 == r0) continue;
    Tensor dx_e;
    mlp_backward(dx_e, dout.slice_rows(r0, r1), experts[e], caches[e]);
    dx.slice_rows(r0, r1).copy_(dx_e);
  }
}

void LocalExperts::forward(Tensor& out, const Tensor& xp, const Permutation& perm, const MoeWeights& w,
                           const Gemms& gemms, MoeCache* cache) {
  RLVR_CHECK(w.experts.size() + 1 == perm.offsets.size(), "model", "the layer holds ", w.experts.size(), " of ",
             perm.offsets.size() - 1, " routed experts: a share runs through expert parallelism");
  expert_mlps_forward(out, xp, perm.offsets, w.experts, gemms, cache ? &cache->experts : nullptr);
}

void LocalExperts::backward(Tensor& dxp, const Tensor& dout, MoeWeights& w, MoeCache& cache) {
  expert_mlps_backward(dxp, dout, cache.perm.offsets, w.experts, cache.experts);
}

RoutedExperts& local_experts() {
  static LocalExperts local;
  return local;
}

void moe_forward(Tensor& y, const Tensor& h, const MoeWeights& w, const ModelConfig& cfg, const Gemms& gemms,
                 RoutedExperts& routed, MoeCache* cache, std::vector<int64_t>* load, LayerRoutes* routes) {
  MoeCache local;
  MoeCache& c = cache ? *cache : local;
  const int64_t T = h.dim(0), C = h.dim(1), E = cfg.num_experts, K = cfg.num_experts_per_tok;
  const Device dev = h.device();
  c.routed = &routed;
  c.h = h;
  Tensor logits = empty_f32({T, E}, dev);
  gemms.fp32(logits, h, w.router.value);
  c.expert_ids = Tensor::empty({T, K}, DType::I32, dev);
  c.gates = empty_f32({T, K}, dev);
  c.scores = empty_f32({T, E}, dev);
  topk_route(c.expert_ids, c.gates, c.scores, logits, cfg.uses_expert_bias() ? w.expert_bias.value : Tensor(),
             routing_config(cfg));
  if (routes && routes->recorded.defined())
    replay_route(c.expert_ids, c.gates, routes->counts, c.scores, routes->recorded, routes->replay,
                 routing_config(cfg));
  if (routes && routes->record.defined()) routes->record.copy_(c.expert_ids);
  c.perm = make_permutation(c.expert_ids, int(E));
  Tensor xp = empty_f32({c.perm.n_rows(), C}, dev);
  permute_rows(xp, h, c.perm);
  routed.forward(c.expert_out, xp, c.perm, w, gemms, cache);
  y = empty_f32({T, C}, dev);
  unpermute_combine(y, c.expert_out, c.gates, c.perm);
  if (w.has_shared) {
    Tensor ys;
    mlp_forward(ys, h, w.shared, gemms, cache ? &c.shared : nullptr);
    add_inplace(y, ys);
  }
  if (load) {
    load->assign(size_t(E), 0);
    for (int64_t e = 0; e < E; ++e) (*load)[size_t(e)] = c.perm.offsets[size_t(e) + 1] - c.perm.offsets[size_t(e)];
  }
}

void moe_backward(Tensor& dh, const Tensor& dy, MoeWeights& w, const ModelConfig& cfg, MoeCache& c) {
  const int64_t T = dy.dim(0), C = dy.dim(1), E = cfg.num_experts, K = cfg.num_experts_per_tok;
  const Device dev = dy.device();
  RLVR_CHECK(c.routed && c.h.defined() && c.h.dim(0) == T, "model",
             "moe_backward needs the cache of a forward over the same tokens");
  Tensor dexpert_out = empty_f32({c.perm.n_rows(), C}, dev), dgates = empty_f32({T, K}, dev);
  unpermute_combine_backward(dexpert_out, dgates, dy, c.expert_out, c.gates, c.perm);
  Tensor dxp;
  c.routed->backward(dxp, dexpert_out, w, c);
  dh = Tensor::zeros({T, C}, DType::F32, dev);
  permute_rows_backward(dh, dxp, c.perm);
  // Router (FP32): logits = h · router^T.
  Tensor dlogits = empty_f32({T, E}, dev);
  topk_route_backward(dlogits, dgates, c.expert_ids, c.scores, routing_config(cfg));
  gemm(grad_of(w.router), dlogits, true, c.h, false, /*accumulate=*/true);
  gemm(dh, dlogits, false, w.router.value, false, /*accumulate=*/true);
  if (w.has_shared) {
    Tensor dhs;
    mlp_backward(dhs, dy, w.shared, c.shared);
    add_inplace(dh, dhs);
  }
}

}  // namespace rlvr::model
