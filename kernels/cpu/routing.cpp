// CPU MoE top-k routing (softmax or sigmoid scores, optional selection-only bias, optional
// group-limited selection), router replay, the backward with the selection held fixed, and the
// per-expert load count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/ops_cpu.h"

namespace rlvr::cpu {
namespace {

// Group-limited selection: marks as taken every expert outside the topk_group groups whose two
// largest select values (one for a group of one) sum highest, ties to the lower group id.
void exclude_groups(std::vector<char>& taken, const std::vector<float>& select, const RoutingConfig& cfg) {
  const int G = cfg.n_group, per_group = int(select.size()) / G;
  std::vector<float> group_score(static_cast<size_t>(G));
  for (int g = 0; g < G; ++g) {
    float first = -INFINITY, second = -INFINITY;
    for (int e = g * per_group; e < (g + 1) * per_group; ++e) {
      const float v = select[size_t(e)];
      if (v > first) second = first, first = v;
      else if (v > second) second = v;
    }
    group_score[size_t(g)] = per_group > 1 ? first + second : first;
  }
  std::vector<char> chosen(static_cast<size_t>(G), 0);
  for (int round = 0; round < cfg.topk_group; ++round) {
    int best = -1;
    for (int g = 0; g < G; ++g)
      if (!chosen[size_t(g)] && (best < 0 || group_score[size_t(g)] > group_score[size_t(best)])) best = g;
    chosen[size_t(best)] = 1;
  }
  for (int g = 0; g < G; ++g)
    if (!chosen[size_t(g)])
      for (int e = g * per_group; e < (g + 1) * per_group; ++e) taken[size_t(e)] = 1;
}

// gates[j] = s[ids[j]], normalized by their sum (when cfg.normalize) and scaled.
void gates_of(float* gates, const float* s, const int32_t* ids, int64_t K, const RoutingConfig& cfg) {
  float sum_selected = 0.0f;
  for (int64_t j = 0; j < K; ++j) {
    gates[j] = s[ids[j]];
    sum_selected += s[ids[j]];
  }
  const float factor = (cfg.normalize && sum_selected > 0.0f ? 1.0f / sum_selected : 1.0f) * cfg.scaling;
  for (int64_t j = 0; j < K; ++j) gates[j] *= factor;
}

}  // namespace

void topk_route(Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits,
                const Tensor& bias, const RoutingConfig& cfg) {
  const int64_t T = router_logits.dim(0), E = router_logits.dim(1), K = cfg.top_k;
  const float* lg = router_logits.data<float>();
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  float* sc = scores.data<float>();
  float* gp = gates.data<float>();
  int32_t* ids = expert_ids.data<int32_t>();
  std::vector<float> select(static_cast<size_t>(E));
  std::vector<char> taken(static_cast<size_t>(E));
  for (int64_t t = 0; t < T; ++t) {
    const float* l = lg + t * E;
    float* s = sc + t * E;
    if (cfg.scoring == RouterScoring::Softmax) {
      float m = -INFINITY;
      for (int64_t e = 0; e < E; ++e) m = std::fmax(m, l[e]);
      double sum = 0.0;
      for (int64_t e = 0; e < E; ++e) sum += s[e] = std::exp(l[e] - m);
      for (int64_t e = 0; e < E; ++e) s[e] = float(s[e] / sum);
    } else {
      for (int64_t e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + std::exp(-l[e]));
    }
    for (int64_t e = 0; e < E; ++e) {
      select[size_t(e)] = s[e] + (bp ? bp[e] : 0.0f);
      taken[size_t(e)] = 0;
    }
    if (cfg.n_group > 1) exclude_groups(taken, select, cfg);
    // k rounds of "largest untaken", ties to the lower id: O(k E), and k, E are small.
    for (int64_t j = 0; j < K; ++j) {
      int64_t best = -1;
      for (int64_t e = 0; e < E; ++e)
        if (!taken[size_t(e)] && (best < 0 || select[size_t(e)] > select[size_t(best)])) best = e;
      taken[size_t(best)] = 1;
      ids[t * K + j] = int32_t(best);
    }
    gates_of(gp + t * K, s, ids + t * K, K, cfg);
  }
}

void replay_route(Tensor& expert_ids, Tensor& gates, Tensor& counts, const Tensor& scores, const Tensor& recorded,
                  bool replay, const RoutingConfig& cfg) {
  const int64_t T = scores.dim(0), E = scores.dim(1), K = cfg.top_k;
  int32_t* ids = expert_ids.data<int32_t>();
  const int32_t* rec = recorded.data<int32_t>();
  int32_t* n = counts.data<int32_t>();
  for (int64_t t = 0; t < T; ++t) {
    const int32_t* r = rec + t * K;
    if (r[0] < 0) continue;
    bool same = true;
    for (int64_t j = 0; j < K; ++j) {
      RLVR_CHECK(r[j] >= 0 && r[j] < E, "kernels", "replay_route: recorded[", t, ", ", j, "] = ", r[j],
                 " is outside [0, ", E, ")");
      same = same && std::find(ids + t * K, ids + (t + 1) * K, r[j]) != ids + (t + 1) * K;
    }
    n[0] += same ? 1 : 0;
    n[1] += 1;
    if (!replay) continue;
    std::copy(r, r + K, ids + t * K);
    gates_of(gates.data<float>() + t * K, scores.data<float>() + t * E, r, K, cfg);
  }
}

// gates g_j = c * s_j / Z (Z = sum of selected s when normalizing, else 1; c = scaling), so
// ds_i = c * (dg_i - sum_j dg_j g_j / c) / Z for selected i, 0 elsewhere; then through the
// scoring: softmax ds -> s * (ds - sum(ds * s)); sigmoid ds -> ds * s * (1 - s).
void topk_route_backward(Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids,
                         const Tensor& scores, const RoutingConfig& cfg) {
  const int64_t T = scores.dim(0), E = scores.dim(1), K = cfg.top_k;
  const float* sc = scores.data<float>();
  const float* dg = dgates.data<float>();
  const int32_t* ids = expert_ids.data<int32_t>();
  float* dl = drouter_logits.data<float>();
  std::vector<float> dscore(static_cast<size_t>(E));
  for (int64_t t = 0; t < T; ++t) {
    const float* s = sc + t * E;
    const int32_t* id = ids + t * K;
    for (int64_t j = 0; j < K; ++j)
      RLVR_CHECK(id[j] >= 0 && id[j] < E, "kernels", "topk_route_backward: expert_ids[", t, ", ", j, "] = ",
                 id[j], " is outside [0, ", E, ")");
    std::fill(dscore.begin(), dscore.end(), 0.0f);
    if (cfg.normalize) {
      float z = 0.0f, dot = 0.0f;
      for (int64_t j = 0; j < K; ++j) z += s[id[j]];
      for (int64_t j = 0; j < K; ++j) dot += dg[t * K + j] * s[id[j]];
      if (z > 0.0f)
        for (int64_t j = 0; j < K; ++j) dscore[size_t(id[j])] += cfg.scaling * (dg[t * K + j] - dot / z) / z;
    } else {
      for (int64_t j = 0; j < K; ++j) dscore[size_t(id[j])] += cfg.scaling * dg[t * K + j];
    }
    float* d = dl + t * E;
    if (cfg.scoring == RouterScoring::Softmax) {
      float inner = 0.0f;
      for (int64_t e = 0; e < E; ++e) inner += dscore[size_t(e)] * s[e];
      for (int64_t e = 0; e < E; ++e) d[e] = s[e] * (dscore[size_t(e)] - inner);
    } else {
      for (int64_t e = 0; e < E; ++e) d[e] = dscore[size_t(e)] * s[e] * (1.0f - s[e]);
    }
  }
}

void expert_load(Tensor& counts, const Tensor& expert_ids) {
  const int64_t E = counts.dim(0), n = expert_ids.numel();
  const int32_t* ids = expert_ids.data<int32_t>();
  std::vector<int64_t> c(size_t(E), 0);
  for (int64_t i = 0; i < n; ++i) {
    RLVR_CHECK(ids[i] >= 0 && ids[i] < E, "kernels", "expert_load: expert_ids element ", i, " = ", ids[i],
               " is outside [0, ", E, ")");
    ++c[size_t(ids[i])];
  }
  for (int64_t e = 0; e < E; ++e) {
    if (counts.dtype() == DType::I32) counts.data<int32_t>()[e] = int32_t(c[size_t(e)]);
    else counts.data<float>()[e] = float(c[size_t(e)]);
  }
}

}  // namespace rlvr::cpu
