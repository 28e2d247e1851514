// The expert-parallel MoE tests' data and their single-rank reference: one MoE layer over all
// ranks' tokens with every expert, computed as model/transformer.cpp computes it (route, permute,
// each expert's SwiGLU MLP over its rows, weighted combine; backward in reverse), from
// kernels/ops_moe.h. Rank r's tokens are rows [token_begin(r), token_begin(r+1)) of the global
// batch, a different number on each rank.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/mlp.h"
#include "kernels/gemm.h"
#include "kernels/ops_moe.h"
#include "model/transformer.h"

namespace rlvr::parallel::testing {

// 192 channels: one full 1x128 tile and a partial one.
inline model::ModelConfig ep_config(const std::string& scoring) {
  model::ModelConfig c;
  c.hidden_size = 192;
  c.moe_intermediate_size = 64;
  c.num_experts = 8;
  c.num_experts_per_tok = 2;
  c.scoring_func = scoring;
  c.norm_topk_prob = true;
  return c;
}

inline int64_t tokens_of_rank(int r) { return 37 + 23 * r; }
inline int64_t token_begin(int r) {
  int64_t t = 0;
  for (int q = 0; q < r; ++q) t += tokens_of_rank(q);
  return t;
}

inline Tensor normal(Shape shape, uint64_t seed, float std) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, std);
  std::vector<float> v(size_t(shape_numel(shape)));
  for (float& x : v) x = n(rng);
  return Tensor::from_floats(shape, v);
}

inline model::LinearWeight linear(int64_t out, int64_t in, uint64_t seed) {
  model::LinearWeight w;
  w.weight = normal({out, in}, seed, 1.0f / std::sqrt(float(in)));
  return w;
}

// Experts [first, first + count) of the layer's deterministic weights (a fresh copy each call).
inline model::MoeWeights moe_weights(const model::ModelConfig& c, int first, int count) {
  model::MoeWeights w;
  const int64_t C = c.hidden_size, F = c.moe_intermediate_size;
  w.router.value = normal({c.num_experts, C}, 1, 0.5f);
  w.expert_bias.value = normal({c.num_experts}, 2, 0.1f);
  for (int e = first; e < first + count; ++e)
    w.experts.push_back({linear(F, C, 100 + 3 * uint64_t(e)), linear(F, C, 101 + 3 * uint64_t(e)),
                         linear(C, F, 102 + 3 * uint64_t(e))});
  return w;
}

inline Tensor rows_of_rank(const Tensor& global, int r) {
  return global.slice_rows(token_begin(r), token_begin(r) + tokens_of_rank(r)).clone();
}

struct Reference {
  Tensor y, dh;           // [T, C] over all ranks' tokens
  model::MoeWeights w;    // every expert, with grads
};

inline Reference reference_moe(const model::ModelConfig& c, const Tensor& h, const Tensor& dy, model::Precision p) {
  Reference ref;
  ref.w = moe_weights(c, 0, c.num_experts);
  const int64_t T = h.dim(0), C = h.dim(1), E = c.num_experts, K = c.num_experts_per_tok;
  Tensor logits = Tensor::empty({T, E}, DType::F32);
  gemm(logits, h, false, ref.w.router.value, true);
  Tensor ids = Tensor::empty({T, K}, DType::I32), gates = Tensor::empty({T, K}, DType::F32),
         scores = Tensor::empty({T, E}, DType::F32);
  topk_route(ids, gates, scores, logits, c.scoring_func == "sigmoid" ? ref.w.expert_bias.value : Tensor(),
             model::routing_config(c));
  const Permutation perm = make_permutation(ids, int(E));
  const int64_t R = perm.n_rows();
  Tensor xp = Tensor::empty({R, C}, DType::F32), out = Tensor::zeros({R, C}, DType::F32);
  permute_rows(xp, h, perm);
  std::vector<model::MlpCache> caches(static_cast<size_t>(E));
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = perm.offsets[size_t(e)], r1 = perm.offsets[size_t(e) + 1];
    if (r1 == r0) continue;
    Tensor ye;
    // The recipe's options for routed experts (model/transformer.cpp's MoE layer).
    model::mlp_forward(ye, xp.slice_rows(r0, r1), ref.w.experts[size_t(e)], p, &caches[size_t(e)], {true, false},
                       {false, true});
    std::memcpy(out.slice_rows(r0, r1).raw(), ye.raw(), ye.nbytes());
  }
  ref.y = Tensor::empty({T, C}, DType::F32);
  unpermute_combine(ref.y, out, gates, perm);
  // Backward.
  Tensor dout = Tensor::empty({R, C}, DType::F32), dgates = Tensor::empty({T, K}, DType::F32);
  unpermute_combine_backward(dout, dgates, dy, out, gates, perm);
  Tensor dxp = Tensor::zeros({R, C}, DType::F32);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = perm.offsets[size_t(e)], r1 = perm.offsets[size_t(e) + 1];
    if (r1 == r0) continue;
    Tensor dx;
    model::mlp_backward(dx, dout.slice_rows(r0, r1), ref.w.experts[size_t(e)], caches[size_t(e)]);
    std::memcpy(dxp.slice_rows(r0, r1).raw(), dx.raw(), dx.nbytes());
  }
  ref.dh = Tensor::zeros({T, C}, DType::F32);
  permute_rows_backward(ref.dh, dxp, perm);
  Tensor dlogits = Tensor::empty({T, E}, DType::F32);
  topk_route_backward(dlogits, dgates, ids, scores, model::routing_config(c));
  ref.w.router.grad = Tensor::zeros(ref.w.router.value.shape(), DType::F32);
  gemm(ref.w.router.grad, dlogits, true, h, false, true);
  gemm(ref.dh, dlogits, false, ref.w.router.value, false, true);
  return ref;
}

// ||got - want|| / ||want||, and the first index off by more than tol * max|want|.
struct Diff {
  double rel = 0;
  int64_t first_bad = -1;
};
inline Diff compare(const Tensor& got, const Tensor& want, double tol) {
  const std::vector<float> a = got.to_floats(), b = want.to_floats();
  double num = 0, den = 0, amax = 0;
  for (size_t i = 0; i < b.size(); ++i) amax = std::max(amax, double(std::fabs(b[i])));
  Diff d;
  for (size_t i = 0; i < b.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
    if (d.first_bad < 0 && std::fabs(double(a[i]) - b[i]) > tol * amax + 1e-30) d.first_bad = int64_t(i);
  }
  d.rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  return d;
}

}  // namespace rlvr::parallel::testing
