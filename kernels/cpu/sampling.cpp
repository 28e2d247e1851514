// CPU token sampling: temperature, top-k, top-p (nucleus), greedy; one Philox draw per row
// keyed by (seed, stream, counter), so a row's token does not depend on the rest of the batch.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/philox.h"

namespace rlvr::cpu {
namespace {

struct RowResult { int32_t token; float logprob; };

// One row. z holds logits / temperature with non-finite entries set to -inf.
RowResult sample_row(const float* logits, int64_t V, const SamplingParams& params, double u,
                     std::vector<float>& z, std::vector<int32_t>& order) {
  int64_t argmax = -1, n_finite = 0;
  for (int64_t v = 0; v < V; ++v) {
    if (!std::isfinite(logits[v])) continue;
    ++n_finite;
    if (argmax < 0 || logits[v] > logits[argmax]) argmax = v;  // ties to the lowest id
  }
  if (argmax < 0) return {-1, NAN};
  const bool greedy = params.temperature == 0.0f;
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

  // Candidates sorted by probability (ties to the lower id), cut to top-k, then to the nucleus.
  order.clear();
  for (int64_t v = 0; v < V; ++v)
    if (zp[v] != -INFINITY) order.push_back(int32_t(v));
  const auto more_likely = [zp](int32_t a, int32_t b) { return zp[a] > zp[b] || (zp[a] == zp[b] && a < b); };
  const size_t keep_k = use_top_k ? size_t(params.top_k) : order.size();
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(keep_k), order.end(), more_likely);
  order.resize(keep_k);
  std::vector<double> prob(order.size());
  double total = 0.0;
  for (size_t i = 0; i < order.size(); ++i) total += prob[i] = std::exp(double(zp[order[i]]) - double(m));
  size_t keep = order.size();
  if (params.top_p < 1.0f) {
    // Smallest prefix whose mass reaches top_p of the (top-k) total.
    double cum = 0.0;
    for (size_t i = 0; i < order.size(); ++i) {
      cum += prob[i];
      if (cum >= double(params.top_p) * total) {
        keep = i + 1;
        break;
      }
    }
    total = std::accumulate(prob.begin(), prob.begin() + ptrdiff_t(keep), 0.0);
  }
  const double target = u * total;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[i];
    if (cum > target) return {order[i], zp[order[i]] - lse};
  }
  return {order[keep - 1], zp[order[keep - 1]] - lse};
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
  for (int64_t b = 0; b < B; ++b) {
    const double u = philox_uniform(philox_draw(params.seed, streams[size_t(b)], counters[size_t(b)]));
    const RowResult r = sample_row(lg + b * V, V, params, u, z, order);
    tok[b] = r.token;
    lp[b] = r.logprob;
  }
}

}  // namespace rlvr::cpu
