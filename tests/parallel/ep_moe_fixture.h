// The expert-parallel MoE tests' data and their single-rank reference: the MoE block
// (model/moe.h) over all ranks' tokens with every expert run locally. Rank r's tokens are rows
// [token_begin(r), token_begin(r+1)) of the global batch, a different number on each rank.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/moe.h"

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
  model::MoeCache cache;
  model::moe_forward(ref.y, h, ref.w, c, p, model::local_experts(), &cache);
  model::moe_backward(ref.dh, dy, ref.w, c, cache);
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
