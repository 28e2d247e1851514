// CPU token sampling: temperature, top-k, top-p (nucleus), greedy; one Philox draw per row
// keyed by (seed, stream, counter), so a row's token does not depend on the rest of the batch.
// The same support decides what is drawn and the log-prob of any token (sampling_logprobs).
#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/philox.h"

namespace rlvr::cpu {
namespace {

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

// Logits below which sampling runs as one piece, and the rows of a piece.
constexpr int64_t kSamplingPieceWork = int64_t(1) << 16;
constexpr int64_t kSamplingRowsPerPiece = 4;

// Scratch buffers of one row, reused across rows.
struct Scratch {
  std::vector<float> z, e;      // [V]: logits / temperature (non-finite -> -inf), exp(z - m)
  std::vector<int32_t> order;   // top-k: candidate ids, most likely first
  std::vector<double> prob;     // top-k: exp(z - m) of order[i]
};

// The sampling distribution of one row: the support the sampler draws from and its mass.
struct RowSupport {
  enum Kind { Greedy, Full, TopK, Nucleus } kind = Full;
  int64_t argmax = -1;
  float m = 0, lse = 0;   // the largest z, log sum exp z
  double total = 0;       // TopK, Nucleus: the support's mass, sum of exp(z - m)
  size_t keep = 0;        // TopK: the support is order[0, keep)
  float tau = 0;          // Nucleus: the support is {z > tau} and the ties at tau with id <= last_tie
  int64_t last_tie = -1;
};

// Top-k (then top-p within it): sort the k most likely (ties to the lower id); the support is
// the smallest prefix whose mass reaches top_p of the k.
void top_k_support(const float* zp, int64_t V, const SamplingParams& params, Scratch& sc, RowSupport& s) {
  std::vector<int32_t>& order = sc.order;
  order.clear();
  for (int64_t v = 0; v < V; ++v)
    if (zp[v] != -INFINITY) order.push_back(int32_t(v));
  const auto more_likely = [zp](int32_t a, int32_t b) { return zp[a] > zp[b] || (zp[a] == zp[b] && a < b); };
  const size_t k = size_t(params.top_k);
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(k), order.end(), more_likely);
  sc.prob.resize(k);
  for (size_t i = 0; i < k; ++i) sc.prob[i] = std::exp(double(zp[order[i]]) - double(s.m));
  const double mass = std::accumulate(sc.prob.begin(), sc.prob.begin() + ptrdiff_t(k), 0.0);
  const double nucleus = params.top_p < 1.0f ? double(params.top_p) * mass : mass;
  s.total = 0.0;
  s.keep = 0;
  while (s.keep < k && (s.keep == 0 || s.total < nucleus)) s.total += sc.prob[s.keep++];  // smallest prefix >= nucleus
}

// Top-p without top-k, no sort: bisect for the threshold tau, the largest value whose
// {z >= tau} mass reaches top_p of the total. The nucleus is {z > tau} plus the ties at tau in
// id order until the mass is reached -- the same set as the sorted prefix (value desc, id asc).
void nucleus_support(const float* zp, int64_t V, float top_p, Scratch& sc, RowSupport& s) {
  float zmin = s.m;
  for (int64_t v = 0; v < V; ++v) {
    sc.e[size_t(v)] = exp_fast(zp[v] - s.m);  // 0 for -inf
    if (zp[v] != -INFINITY && zp[v] < zmin) zmin = zp[v];
  }
  const float* ep = sc.e.data();
  const double target = double(top_p) * mass_at_least(zp, ep, V, -INFINITY, false);
  uint32_t lo = float_key(zmin), hi = float_key(s.m) + 1;  // mass(>= lo) >= target > mass(>= hi)
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (mass_at_least(zp, ep, V, key_float(mid), false) >= target) lo = mid;
    else hi = mid;
  }
  s.tau = key_float(lo);
  s.total = mass_at_least(zp, ep, V, s.tau, true);
  s.last_tie = -1;
  for (int64_t v = 0; v < V && (s.last_tie < 0 || s.total < target); ++v)
    if (zp[v] == s.tau) {
      s.total += ep[v];
      s.last_tie = v;
    }
}

// The row's support; false for a row with no finite logit. Fills sc.z (and what the kind needs).
bool row_support(const float* logits, int64_t V, const SamplingParams& params, Scratch& sc, RowSupport& s) {
  int64_t n_finite = 0;
  s.argmax = -1;
  for (int64_t v = 0; v < V; ++v) {
    if (!std::isfinite(logits[v])) continue;
    ++n_finite;
    if (s.argmax < 0 || logits[v] > logits[s.argmax]) s.argmax = v;  // ties to the lowest id
  }
  if (s.argmax < 0) return false;
  // A temperature so small that the scaled logits overflow is greedy too.
  const bool greedy = params.temperature == 0.0f || !std::isfinite(logits[s.argmax] / params.temperature) ||
                      !std::isfinite(1.0f / params.temperature);
  const float inv_temp = greedy ? 1.0f : 1.0f / params.temperature;
  for (int64_t v = 0; v < V; ++v) sc.z[size_t(v)] = std::isfinite(logits[v]) ? logits[v] * inv_temp : -INFINITY;
  const float* zp = sc.z.data();
  s.m = logits[s.argmax] * inv_temp;
  s.lse = s.m + std::log(sum_exp(zp, V, s.m));
  const bool use_top_k = params.top_k > 0 && params.top_k < n_finite;
  if (greedy) s.kind = RowSupport::Greedy;
  else if (use_top_k) s.kind = RowSupport::TopK, top_k_support(zp, V, params, sc, s);
  else if (params.top_p < 1.0f) s.kind = RowSupport::Nucleus, nucleus_support(zp, V, params.top_p, sc, s);
  else s.kind = RowSupport::Full;
  return true;
}

bool in_nucleus(const RowSupport& s, const float* zp, int64_t v) {
  return zp[v] > s.tau || (zp[v] == s.tau && v <= s.last_tie);
}

// The token drawn with uniform u.
int32_t draw_token(const RowSupport& s, const Scratch& sc, int64_t V, double u) {
  const float* zp = sc.z.data();
  switch (s.kind) {
    case RowSupport::Greedy:
      return int32_t(s.argmax);
    case RowSupport::Full: {  // inverse CDF in id order, no sort
      const double target = u * double(sum_exp(zp, V, s.m));
      double cum = 0.0;
      int64_t last = s.argmax;
      for (int64_t v = 0; v < V; ++v) {
        if (zp[v] == -INFINITY) continue;
        cum += exp_fast(zp[v] - s.m);
        last = v;
        if (cum > target) return int32_t(v);
      }
      return int32_t(last);
    }
    case RowSupport::TopK: {  // in order, most likely first
      const double target = u * s.total;
      double cum = 0.0;
      for (size_t i = 0; i < s.keep; ++i) {
        cum += sc.prob[i];
        if (cum > target) return sc.order[i];
      }
      return sc.order[s.keep - 1];
    }
    case RowSupport::Nucleus: {  // the nucleus in id order
      const double target = u * s.total;
      double cum = 0.0;
      int64_t last = -1;
      for (int64_t v = 0; v < V; ++v) {
        if (!in_nucleus(s, zp, v)) continue;
        cum += sc.e[size_t(v)];
        last = v;
        if (cum > target) return int32_t(v);
      }
      return int32_t(last);
    }
  }
  return int32_t(s.argmax);
}

// log p(token) under the sampling distribution: the support renormalized; -inf outside it.
// Greedy reports the temperature-1 log-prob of the token.
float support_logprob(const RowSupport& s, const Scratch& sc, int64_t token) {
  const float* zp = sc.z.data();
  bool inside = true;
  if (s.kind == RowSupport::Greedy || s.kind == RowSupport::Full) return zp[token] - s.lse;
  if (s.kind == RowSupport::TopK) inside = std::find(sc.order.begin(), sc.order.begin() + ptrdiff_t(s.keep), int32_t(token)) != sc.order.begin() + ptrdiff_t(s.keep);
  else inside = in_nucleus(s, zp, token);
  if (!inside) return -INFINITY;
  return float(double(zp[token]) - double(s.m) - std::log(s.total));
}

// Rows [b0, b1) of sample_tokens.
void sample_rows(const float* lg, int64_t V, const SamplingParams& params, const uint64_t* streams,
                 const uint64_t* counters, int32_t* tok, float* lp, int64_t b0, int64_t b1) {
  Scratch sc{std::vector<float>(size_t(V)), std::vector<float>(size_t(V)), {}, {}};
  for (int64_t b = b0; b < b1; ++b) {
    const double u = philox_uniform(philox_draw(params.seed, streams[b], counters[b]));
    RowSupport s;
    if (!row_support(lg + b * V, V, params, sc, s)) {
      tok[b] = -1;
      lp[b] = NAN;
      continue;
    }
    tok[b] = draw_token(s, sc, V, u);
    lp[b] = sc.z[size_t(tok[b])] - s.lse;  // over the full tempered distribution
  }
}

}  // namespace

void sample_tokens(Tensor& tokens, Tensor& logprobs, const Tensor& logits, const SamplingParams& params,
                   const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters) {
  const int64_t B = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  int32_t* tok = tokens.data<int32_t>();
  float* lp = logprobs.data<float>();
  // Rows are independent (each its own stream): pieces of rows, each with its own scratch.
  parallel_ranges(B, kSamplingRowsPerPiece, B * V >= kSamplingPieceWork, [&](int64_t b0, int64_t b1) {
    sample_rows(lg, V, params, streams.data(), counters.data(), tok, lp, b0, b1);
  });
}

void sampling_logprobs(Tensor& logprobs, const Tensor& logits, const Tensor& targets, const SamplingParams& params) {
  const int64_t B = logits.dim(0), V = logits.dim(1);
  const float* lg = logits.data<float>();
  const int32_t* tgt = targets.data<int32_t>();
  float* lp = logprobs.data<float>();
  Scratch sc{std::vector<float>(size_t(V)), std::vector<float>(size_t(V)), {}, {}};
  for (int64_t b = 0; b < B; ++b) {
    RowSupport s;
    const bool valid = tgt[b] >= 0 && tgt[b] < V;
    lp[b] = valid && row_support(lg + b * V, V, params, sc, s) ? support_logprob(s, sc, tgt[b]) : NAN;
  }
}

}  // namespace rlvr::cpu
