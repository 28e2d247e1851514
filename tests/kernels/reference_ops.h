// Plain float64 references of the op set, written for clarity (no shared code with kernels/cpu).
// Tensors are flat row-major vectors; shapes in the comments, as in kernels/ops_*.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/kernels/op_test_util.h"

namespace rlvr::test::ref {

// out [T,C] from tokens [T] and table [V,C].
inline Vec embedding(const std::vector<int32_t>& tokens, const Vec& table, int64_t C) {
  Vec out;
  for (int32_t t : tokens) out.insert(out.end(), table.begin() + t * C, table.begin() + (t + 1) * C);
  return out;
}

// out [N,C], rstd [N].
inline Vec rmsnorm(const Vec& x, const Vec& w, int64_t N, int64_t C, double eps, Vec* rstd = nullptr) {
  Vec out(x.size());
  if (rstd) rstd->assign(size_t(N), 0.0);
  for (int64_t n = 0; n < N; ++n) {
    double ms = 0.0;
    for (int64_t c = 0; c < C; ++c) ms += x[n * C + c] * x[n * C + c] / double(C);
    const double r = 1.0 / std::sqrt(ms + eps);
    if (rstd) (*rstd)[n] = r;
    for (int64_t c = 0; c < C; ++c) out[n * C + c] = x[n * C + c] * r * w[c];
  }
  return out;
}

// x [T, H*D] rotated per head; the angle is the float32 product pos * inv_freq, as transformers
// computes it (the documented convention), the rotation itself in float64.
// Pair i of each head: (i, i + D/2), or (2i, 2i+1) interleaved; angle pos * inv_freq[i] in
// float (as transformers), cos and sin scaled by `scaling`.
inline Vec rope_table(const Vec& x, const std::vector<int32_t>& pos, int64_t W, int64_t D,
                      const std::vector<float>& inv_freq, double scaling, bool interleaved) {
  Vec out(x.size());
  const int64_t half = D / 2;
  for (size_t t = 0; t < pos.size(); ++t)
    for (int64_t h = 0; h < W / D; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double a = double(float(pos[t]) * inv_freq[size_t(i)]);
        const int64_t i1 = int64_t(t) * W + h * D + (interleaved ? 2 * i : i), i2 = i1 + (interleaved ? 1 : half);
        const double c = scaling * std::cos(a), s = scaling * std::sin(a);
        out[i1] = x[i1] * c - x[i2] * s;
        out[i2] = x[i2] * c + x[i1] * s;
      }
  return out;
}

inline Vec rope(const Vec& x, const std::vector<int32_t>& pos, int64_t W, int64_t D, double theta) {
  std::vector<float> inv_freq;
  for (int64_t i = 0; i < D / 2; ++i) inv_freq.push_back(float(std::pow(theta, -2.0 * double(i) / double(D))));
  return rope_table(x, pos, W, D, inv_freq, 1.0, false);
}

struct AttnDims { int64_t T, S, Hq, Hkv, D, q_offset; double scale; };

// out [T, Hq*D], lse [Hq, T]; q [T, Hq*D]; k, v [S, Hkv*D].
inline Vec attention(const Vec& q, const Vec& k, const Vec& v, const AttnDims& a, Vec* lse = nullptr) {
  const int64_t Wq = a.Hq * a.D, Wk = a.Hkv * a.D;
  Vec out(size_t(a.T * Wq), 0.0);
  if (lse) lse->assign(size_t(a.Hq * a.T), 0.0);
  for (int64_t h = 0; h < a.Hq; ++h) {
    const int64_t kh = h / (a.Hq / a.Hkv);
    for (int64_t i = 0; i < a.T; ++i) {
      Vec s;
      for (int64_t j = 0; j <= a.q_offset + i; ++j) {
        double d = 0.0;
        for (int64_t c = 0; c < a.D; ++c) d += q[i * Wq + h * a.D + c] * k[j * Wk + kh * a.D + c];
        s.push_back(a.scale * d);
      }
      const double m = *std::max_element(s.begin(), s.end());
      double l = 0.0;
      for (double& x : s) l += x = std::exp(x - m);
      for (size_t j = 0; j < s.size(); ++j)
        for (int64_t c = 0; c < a.D; ++c) out[i * Wq + h * a.D + c] += s[j] / l * v[j * Wk + kh * a.D + c];
      if (lse) (*lse)[h * a.T + i] = m + std::log(l);
    }
  }
  return out;
}

inline Vec swiglu(const Vec& gate, const Vec& up) {
  Vec out(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) out[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
  return out;
}

// log sum exp of row n of x [N,C].
inline double lse_row(const Vec& x, int64_t n, int64_t C) {
  double m = -INFINITY;
  for (int64_t c = 0; c < C; ++c) m = std::max(m, x[n * C + c]);
  double s = 0.0;
  for (int64_t c = 0; c < C; ++c) s += std::exp(x[n * C + c] - m);
  return m + std::log(s);
}

inline Vec softmax(const Vec& x, int64_t N, int64_t C) {
  Vec out(x.size());
  for (int64_t n = 0; n < N; ++n) {
    const double l = lse_row(x, n, C);
    for (int64_t c = 0; c < C; ++c) out[n * C + c] = std::exp(x[n * C + c] - l);
  }
  return out;
}

// logp [T] of targets [T] under logits [T,V].
inline Vec log_softmax_gather(const Vec& logits, const std::vector<int32_t>& targets, int64_t V) {
  Vec out;
  for (size_t t = 0; t < targets.size(); ++t) out.push_back(logits[t * V + targets[t]] - lse_row(logits, int64_t(t), V));
  return out;
}

inline Vec entropy(const Vec& logits, int64_t T, int64_t V) {
  const Vec p = softmax(logits, T, V);
  Vec out(size_t(T), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t v = 0; v < V; ++v) out[t] -= p[t * V + v] * std::log(p[t * V + v]);
  return out;
}

struct Route { std::vector<int32_t> ids; Vec gates, scores; };

// Top-k routing of logits [T,E]; bias [E] or empty. Sorting (score + bias, id) pairs; with
// n_group > 1 only the experts of the topk_group groups ranked first by the sum of their two
// largest score + bias (one for a group of one) compete.
inline Route topk_route(const Vec& logits, const Vec& bias, int64_t T, int64_t E, int k, bool softmax_scoring,
                        bool normalize, double scaling, int n_group = 1, int topk_group = 1) {
  Route r;
  r.scores = softmax_scoring ? softmax(logits, T, E) : Vec(logits.size());
  if (!softmax_scoring)
    for (size_t i = 0; i < logits.size(); ++i) r.scores[i] = 1.0 / (1.0 + std::exp(-logits[i]));
  const int64_t per_group = E / n_group;
  for (int64_t t = 0; t < T; ++t) {
    auto choice = [&](int64_t e) { return r.scores[t * E + e] + (bias.empty() ? 0.0 : bias[e]); };
    std::vector<std::pair<double, int64_t>> groups;
    for (int64_t g = 0; g < n_group; ++g) {
      Vec in_group;
      for (int64_t e = g * per_group; e < (g + 1) * per_group; ++e) in_group.push_back(choice(e));
      std::sort(in_group.rbegin(), in_group.rend());
      groups.push_back({-(in_group[0] + (per_group > 1 ? in_group[1] : 0.0)), g});
    }
    std::sort(groups.begin(), groups.end());
    std::vector<std::pair<double, int32_t>> ranked;
    for (int g = 0; g < topk_group; ++g)
      for (int64_t e = groups[size_t(g)].second * per_group; e < (groups[size_t(g)].second + 1) * per_group; ++e)
        ranked.push_back({-choice(e), int32_t(e)});
    std::sort(ranked.begin(), ranked.end());
    double z = 0.0;
    for (int j = 0; j < k; ++j) z += r.scores[t * E + ranked[j].second];
    for (int j = 0; j < k; ++j) {
      r.ids.push_back(ranked[j].second);
      r.gates.push_back(r.scores[t * E + ranked[j].second] / (normalize ? z : 1.0) * scaling);
    }
  }
  return r;
}

// Gates of the fixed selection ids [T,k] as a function of the logits (for finite differences).
inline Vec gates_of(const Vec& logits, const std::vector<int32_t>& ids, int64_t T, int64_t E, int k,
                    bool softmax_scoring, bool normalize, double scaling) {
  Vec s = softmax_scoring ? softmax(logits, T, E) : Vec(logits.size());
  if (!softmax_scoring)
    for (size_t i = 0; i < logits.size(); ++i) s[i] = 1.0 / (1.0 + std::exp(-logits[i]));
  Vec g;
  for (int64_t t = 0; t < T; ++t) {
    double z = 0.0;
    for (int j = 0; j < k; ++j) z += s[t * E + ids[t * k + j]];
    for (int j = 0; j < k; ++j) g.push_back(s[t * E + ids[t * k + j]] / (normalize ? z : 1.0) * scaling);
  }
  return g;
}

// y [T,C] = sum_j gates[t,j] * expert(t, j) where expert rows come from rows [R,C] at row_of_slot.
inline Vec combine(const Vec& rows, const Vec& gates, const std::vector<int32_t>& row_of_slot, int64_t T, int k,
                   int64_t C) {
  Vec y(size_t(T * C), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int j = 0; j < k; ++j)
      for (int64_t c = 0; c < C; ++c) y[t * C + c] += gates[t * k + j] * rows[row_of_slot[t * k + j] * C + c];
  return y;
}

}  // namespace rlvr::test::ref
