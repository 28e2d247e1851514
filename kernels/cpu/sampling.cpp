// CPU token sampling: temperature, top-k, top-p (nucleus), greedy; one Philox draw per row
// keyed by (seed, stream, counter), so a row's token does not depend on the rest of the batch.
#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/philox.h"

namespace rlvr::cpu {
namespace {

struct RowResult { int32_t token; float logprob; };

// Order-preserving map of a non-NaN float to uint32 (for bisection over float values).
uint32_t float_key(float f) {
  const uint32_t b = std::bit_cast<uint32_t>(f);
  return b & 0x80000000u ? ~b : b | 0x80000000u;
}
float key_float(uint32_t k) { return std::bit_cast<float>(k & 0x80000000u ? k & 0x7fffffffu : ~k); }

// sum of e[v] over z[v] >= tau (strict: z[v] > tau), eight float lanes summed in double.
double mass_at_least(const float* z, const float* e, int64_t V, float tau, bool strict) {
  double total = 0.0;
  for (int64_t v0 = 0; v0 < V; v0 += 4096) {  // float lanes over blocks, blocks in double
    const int64_t v1 = std::min(V, v0 + 4096);
    float acc[8] = {};
    int64_t v = v0;
    for (; v + 8 <= v1; v += 8)
      for (int j = 0; j < 8; ++j) acc[j] += (strict ? z[v + j] > tau : z[v + j] >= tau) ? e[v + j] : 0.0f;
    for (; v < v1; ++v) total += (strict ? z[v] > tau : z[v] >= tau) ? e[v] : 0.0f;
    for (int j = 0; j < 8; ++j) total += acc[j];
  }
  return total;
}

// Top-k (then top-p within it): sort the k most likely (ties to the lower id), draw in that order.
RowResult sample_top_k(const float* zp, int64_t V, float m, float lse, const SamplingParams& params, double u,
                       std::vector<int32_t>& order) {
  order.clear();
  for (int64_t v = 0; v < V; ++v)
    if (zp[v] != -INFINITY) order.push_back(int32_t(v));
  const auto more_likely = [zp](int32_t a, int32_t b) { return zp[a] > zp[b] || (zp[a] == zp[b] && a < b); };
  const size_t k = size_t(params.top_k);
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(k), order.end(), more_likely);
  std::vector<double> prob(k);
  for (size_t i = 0; i < k; ++i) prob[i] = std::exp(double(zp[order[i]]) - double(m));
  const double mass = std::accumulate(prob.begin(), prob.end(), 0.0);
  const double nucleus = params.top_p < 1.0f ? double(params.top_p) * mass : mass;
  double total = 0.0;
  size_t keep = 0;
  while (keep < k && (keep == 0 || total < nucleus)) total += prob[keep++];  // smallest prefix >= nucleus
  const double target = u * total;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[i];
    if (cum > target) return {order[i], zp[order[i]] - lse};
  }
  return {order[keep - 1], zp[order[keep - 1]] - lse};
}

// Top-p without top-k, no sort: bisect for the threshold tau, the largest value whose
// {z >= tau} mass reaches top_p of the total. The nucleus is {z > tau} plus the ties at tau in
// id order until the mass is reached -- the same set as the sorted prefix (value desc, id asc).
// The draw then scans the nucleus in id order.
RowResult sample_nucleus(const float* zp, int64_t V, float m, float lse, float top_p, double u,
                         std::vector<float>& e) {
  float zmin = m;
  for (int64_t v = 0; v < V; ++v) {
    e[size_t(v)] = exp_fast(zp[v] - m);  // 0 for -inf
    if (zp[v] != -INFINITY && zp[v] < zmin) zmin = zp[v];
  }
  const float* ep = e.data();
  const double target = double(top_p) * mass_at_least(zp, ep, V, -INFINITY, false);
  uint32_t lo = float_key(zmin), hi = float_key(m) + 1;  // mass(>= lo) >= target > mass(>= hi)
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (mass_at_least(zp, ep, V, key_float(mid), false) >= target) lo = mid;
    else hi = mid;
  }
  const float tau = key_float(lo);
  double total = mass_at_least(zp, ep, V, tau, true);
  int64_t last_tie = -1;
  for (int64_t v = 0; v < V && (last_tie < 0 || total < target); ++v)
    if (zp[v] == tau) {
      total += ep[v];
      last_tie = v;
    }
  const double draw = u * total;
  double cum = 0.0;
  int64_t last = -1;
  for (int64_t v = 0; v < V; ++v) {
    if (!(zp[v] > tau || (zp[v] == tau && v <= last_tie))) continue;
    cum += ep[v];
    last = v;
    if (cum > draw) return {int32_t(v), zp[v] - lse};
  }
  return {int32_t(last), zp[last] - lse};
}

// One row. z holds logits / temperature with non-finite entries set to -inf.
RowResult sample_row(const float* logits, int64_t V, const SamplingParams& params, double u,
                     std::vector<float>& z, std::vector<int32_t>& order, std::vector<float>& e) {
  int64_t argmax = -1, n_finite = 0;
  for (int64_t v = 0; v < V; ++v) {
    if (!std::isfinite(logits[v])) continue;
    ++n_finite;
    if (argmax < 0 || logits[v] > logits[argmax]) argmax = v;  // ties to the lowest id
  }
  if (argmax < 0) return {-1, NAN};
  // A temperature so small that the scaled logits overflow is greedy too.
  const bool greedy = params.temperature == 0.0f ||
                      !std::isfinite(logits[argmax] / params.temperature) || !std::isfinite(1.0f / params.temperature);
  const float inv_temp = greedy ? 1.0f : 1.0f / params.temperature;
  for (int64_t v = 0; v < V; ++v) z[size_t(v)] = std::isfinite(logits[v]) ? logits[v] * inv_temp : -INFINITY;
  const float* zp = z.data();
  const float m = logits[argmax] * inv_temp;
  const float lse = m + std::log(sum_exp(zp, V, m));
  if (greedy) return {int32_t(argmax), zp[argmax] - lse};

  const bool use_top_k = params.top_k > 0 && params.top_k < n_finite;
  if (!use_top_k && params.top_p >= 1.0f) {
    // Plain sampling: inverse CDF in id order, no sort.
    const double target = u * double(sum_exp(zp, V, m));
    double cum = 0.0;
    int64_t last = argmax;
    for (int64_t v = 0; v < V; ++v) {
      if (zp[v] == -INFINITY) continue;
      cum += exp_fast(zp[v] - m);
      last = v;
      if (cum > target) return {int32_t(v), zp[v] - lse};
    }
    return {int32_t(last), zp[last] - lse};
  }

  if (use_top_k) return sample_top_k(zp, V, m, lse, params, u, order);
  return sample_nucleus(zp, V, m, lse, params.top_p, u, e);
}

}  // namespace

void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters) {
  const int64_t B = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  int32_t* tok = tokens.data<int32_t>();
  float* lp = logprobs.data<float>();
  std::vector<float> z(static_cast<size_t>(V));
  std::vector<int32_t> order;
  std::vector<float> e(static_cast<size_t>(V));
  for (int64_t b = 0; b < B; ++b) {
    const double u = philox_uniform(philox_draw(params.seed, streams[size_t(b)], counters[size_t(b)]));
    const RowResult r = sample_row(lg + b * V, V, params, u, z, order, e);
    tok[b] = r.token;
    lp[b] = r.logprob;
  }
}

}  // namespace rlvr::cpu
