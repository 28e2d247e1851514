// CUDA MoE top-k routing (softmax or sigmoid scores, selection-only bias, group-limited
// selection), router replay, the backward with the selection held fixed, and the per-expert
// load count. One thread per token: E and k are small.
#include <cmath>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda/routing_cuda.h"

namespace rlvr::cuda {
namespace {

constexpr int kMaxTopK = 64;
constexpr int kMaxGroups = 64;  // the chosen groups are bits of one 64-bit mask

// Group-limited selection, as the CPU: the topk_group groups whose two largest score + bias (one
// for a group of one) sum highest, ties to the lower group id, as a bit mask.
__device__ unsigned long long chosen_groups(const float* s, const float* bias, int E, int G, int topk_group) {
  const int per_group = E / G;
  unsigned long long chosen = 0;
  for (int round = 0; round < topk_group; ++round) {
    int best = -1;
    float best_val = 0.0f;
    for (int g = 0; g < G; ++g) {
      if (chosen >> g & 1ull) continue;
      float first = -INFINITY, second = -INFINITY;
      for (int e = g * per_group; e < (g + 1) * per_group; ++e) {
        const float v = s[e] + (bias ? bias[e] : 0.0f);
        if (v > first) second = first, first = v;
        else if (v > second) second = v;
      }
      const float val = per_group > 1 ? first + second : first;
      if (best < 0 || val > best_val) best = g, best_val = val;
    }
    chosen |= 1ull << best;
  }
  return chosen;
}

// g[j] = s[id[j]], normalized by their sum (when normalize) and scaled, as the CPU.
__device__ void set_gates(float* g, const float* s, const int32_t* id, int K, bool normalize, float scaling) {
  float sum_selected = 0.0f;
  for (int j = 0; j < K; ++j) {
    g[j] = s[id[j]];
    sum_selected += s[id[j]];
  }
  const float factor = (normalize && sum_selected > 0.0f ? 1.0f / sum_selected : 1.0f) * scaling;
  for (int j = 0; j < K; ++j) g[j] *= factor;
}

// scores, then k rounds of "largest untaken score + bias" (ties to the lower id) among the
// experts of the chosen groups, as the CPU.
__global__ void topk_route_kernel(int32_t* ids, float* gates, float* scores, const float* logits, const float* bias,
                                  int64_t T, int E, int K, bool softmax, bool normalize, float scaling, int n_group,
                                  int topk_group) {
  const int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= T) return;
  const float* l = logits + t * E;
  float* s = scores + t * E;
  if (softmax) {
    float m = -INFINITY;
    for (int e = 0; e < E; ++e) m = fmaxf(m, l[e]);
    double sum = 0.0;
    for (int e = 0; e < E; ++e) sum += s[e] = expf(l[e] - m);
    for (int e = 0; e < E; ++e) s[e] = float(s[e] / sum);
  } else {
    for (int e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + expf(-l[e]));
  }
  int32_t* id = ids + t * K;
  float* g = gates + t * K;
  const unsigned long long groups = n_group > 1 ? chosen_groups(s, bias, E, n_group, topk_group) : ~0ull;
  const int per_group = E / n_group;
  for (int j = 0; j < K; ++j) {
    int best = -1;
    float best_val = 0.0f;
    for (int e = 0; e < E; ++e) {
      bool taken = n_group > 1 && !(groups >> (e / per_group) & 1ull);
      for (int jj = 0; jj < j; ++jj) taken |= id[jj] == e;
      const float val = s[e] + (bias ? bias[e] : 0.0f);
      if (!taken && (best < 0 || val > best_val)) {
        best = e;
        best_val = val;
      }
    }
    id[j] = best;
  }
  set_gates(g, s, id, K, normalize, scaling);
}

// Per token with a record: count whether the live set equals it, then (replay) take it.
__global__ void replay_route_kernel(int32_t* ids, float* gates, int32_t* counts, const float* scores,
                                    const int32_t* recorded, int64_t T, int E, int K, bool replay, bool normalize,
                                    float scaling, unsigned long long* bad) {
  const int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= T) return;
  const int32_t* r = recorded + t * K;
  if (r[0] < 0) return;
  int32_t* id = ids + t * K;
  bool same = true;
  for (int j = 0; j < K; ++j) {
    if (r[j] < 0 || r[j] >= E) {
      report_bad_index(bad, t * K + j);
      return;
    }
    bool found = false;
    for (int jj = 0; jj < K; ++jj) found |= id[jj] == r[j];
    same = same && found;
  }
  if (same) atomicAdd(counts, 1);
  atomicAdd(counts + 1, 1);
  if (!replay) return;
  for (int j = 0; j < K; ++j) id[j] = r[j];
  set_gates(gates + t * K, scores + t * E, id, K, normalize, scaling);
}

// ds_i = c (dg_i - sum_j dg_j s_j / Z) / Z on the selected experts (Z = 1 without normalizing),
// then through softmax (s (ds - sum ds s)) or sigmoid (ds s (1 - s)).
__global__ void topk_route_backward_kernel(float* dlogits, const float* dgates, const int32_t* ids,
                                           const float* scores, int64_t T, int E, int K, bool softmax,
                                           bool normalize, float scaling, unsigned long long* bad) {
  const int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= T) return;
  const float* s = scores + t * E;
  const int32_t* id = ids + t * K;
  const float* dg = dgates + t * K;
  for (int j = 0; j < K; ++j)
    if (id[j] < 0 || id[j] >= E) {
      report_bad_index(bad, t * K + j);
      return;
    }
  float dsel[kMaxTopK];  // d score of the j-th selected expert
  float z = 0.0f, dot = 0.0f;
  for (int j = 0; j < K; ++j) {
    z += s[id[j]];
    dot += dg[j] * s[id[j]];
  }
  for (int j = 0; j < K; ++j) {
    if (normalize) dsel[j] = z > 0.0f ? scaling * (dg[j] - dot / z) / z : 0.0f;
    else dsel[j] = scaling * dg[j];
  }
  // dscore(e): the sum over the choices j that picked e.
  auto dscore = [&](int e) {
    float v = 0.0f;
    for (int j = 0; j < K; ++j) v += id[j] == e ? dsel[j] : 0.0f;
    return v;
  };
  float* d = dlogits + t * E;
  if (softmax) {
    float inner = 0.0f;
    for (int e = 0; e < E; ++e) inner += dscore(e) * s[e];
    for (int e = 0; e < E; ++e) d[e] = s[e] * (dscore(e) - inner);
  } else {
    for (int e = 0; e < E; ++e) d[e] = dscore(e) * s[e] * (1.0f - s[e]);
  }
}

__global__ void expert_count_kernel(int32_t* counts, const int32_t* ids, int64_t n, int E, unsigned long long* bad) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  if (ids[i] < 0 || ids[i] >= E) report_bad_index(bad, i);
  else atomicAdd(counts + ids[i], 1);
}

__global__ void int_to_float_kernel(float* out, const int32_t* in, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = float(in[i]);
}

// Throws, for a reported slot i of expert_ids [T, K] (named `name`), the CPU's message.
std::function<void(int64_t)> bad_expert_id(const char* op, const Tensor& expert_ids, int64_t E,
                                           const char* name = "expert_ids") {
  return [op, expert_ids, E, name](int64_t i) {
    const int64_t K = expert_ids.dim(1);
    RLVR_FAIL("kernels", "bad expert id", op, ": ", name, "[", i / K, ", ", i % K, "] = ",
              read_device_element(expert_ids.data<int32_t>(), i), " is outside [0, ", E, ")");
  };
}

}  // namespace

void topk_route(Tensor& expert_ids, Tensor& gates, Tensor& scores, const Tensor& router_logits, const Tensor& bias,
                const RoutingConfig& cfg) {
  const int64_t T = router_logits.dim(0), E = router_logits.dim(1);
  RLVR_CHECK(cfg.n_group <= kMaxGroups, "kernels", "topk_route: n_group ", cfg.n_group, " is above the CUDA kernel's ",
             kMaxGroups);
  if (T == 0) return;
  topk_route_kernel<<<blocks_for(T, 128), 128>>>(
      expert_ids.data<int32_t>(), gates.data<float>(), scores.data<float>(), router_logits.data<float>(),
      bias.defined() ? bias.data<float>() : nullptr, T, int(E), cfg.top_k, cfg.scoring == RouterScoring::Softmax,
      cfg.normalize, cfg.scaling, cfg.n_group, cfg.topk_group);
  check_launch();
}

void topk_route_backward(Tensor& drouter_logits, const Tensor& dgates, const Tensor& expert_ids, const Tensor& scores,
                         const RoutingConfig& cfg) {
  const int64_t T = scores.dim(0), E = scores.dim(1), K = cfg.top_k;
  RLVR_CHECK(K <= kMaxTopK, "kernels", "topk_route_backward: top_k ", K, " is above the CUDA kernel's ", kMaxTopK);
  if (T == 0) return;
  BadIndexReport bad;
  topk_route_backward_kernel<<<blocks_for(T, 128), 128>>>(
      drouter_logits.data<float>(), dgates.data<float>(), expert_ids.data<int32_t>(), scores.data<float>(), T, int(E),
      int(K), cfg.scoring == RouterScoring::Softmax, cfg.normalize, cfg.scaling, bad.slot());
  check_launch();
  bad.check(bad_expert_id("topk_route_backward", expert_ids, E));
}

void replay_route(Tensor& expert_ids, Tensor& gates, Tensor& counts, const Tensor& scores, const Tensor& recorded,
                  bool replay, const RoutingConfig& cfg) {
  const int64_t T = scores.dim(0), E = scores.dim(1);
  if (T == 0) return;
  BadIndexReport bad;
  replay_route_kernel<<<blocks_for(T, 128), 128>>>(expert_ids.data<int32_t>(), gates.data<float>(),
                                                   counts.data<int32_t>(), scores.data<float>(),
                                                   recorded.data<int32_t>(), T, int(E), cfg.top_k, replay,
                                                   cfg.normalize, cfg.scaling, bad.slot());
  check_launch();
  bad.check(bad_expert_id("replay_route", recorded, E, "recorded"));
}

// Counts per expert as i32 on the device; throws the CPU's message for an id outside [0, E).
Tensor count_experts(const Tensor& expert_ids, int64_t E, const char* op) {
  Tensor counts = Tensor::zeros({E}, DType::I32, Device::CUDA);
  const int64_t n = expert_ids.numel();
  if (n == 0) return counts;
  BadIndexReport bad;
  expert_count_kernel<<<blocks_for(n, 256), 256>>>(counts.data<int32_t>(), expert_ids.data<int32_t>(), n, int(E),
                                                   bad.slot());
  check_launch();
  bad.check(bad_expert_id(op, expert_ids, E));
  return counts;
}

void expert_load(Tensor& counts, const Tensor& expert_ids) {
  const int64_t E = counts.dim(0);
  const Tensor c = count_experts(expert_ids, E, "expert_load");
  if (counts.dtype() == DType::I32) {
    RLVR_CUDA_CHECK(cudaMemcpy(counts.raw(), c.raw(), c.nbytes(), cudaMemcpyDeviceToDevice));
    return;
  }
  if (E == 0) return;
  int_to_float_kernel<<<blocks_for(E, 256), 256>>>(counts.data<float>(), c.data<int32_t>(), E);
  check_launch();
}

}  // namespace rlvr::cuda
