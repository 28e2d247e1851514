// CUDA causal GQA attention backward, flash-style (FlashAttention-2 split): one kernel walks
// key tiles per query row for dq (and writes delta = dout . out), a second walks query tiles
// per key tile for dk and dv, summing over the query heads that share the kv head. The
// probabilities are recomputed from the cached log-sum-exp; no atomics, deterministic.
#include <cmath>

#include "kernels/cuda/attention_tiles.cuh"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

using namespace attn;

constexpr int kKeysPerWarp = kKeysPerTile / (kThreads / 32);  // 4: the dk/dv rows a warp owns

// grid (ceil(T / 8), Hq); dynamic shared memory: Q, dO [8][D], K, V [32][D+1].
// p_ij = exp(scale q_i.k_j - lse_i); ds_ij = p_ij (dO_i.v_j - delta_i) scale; dq_i = sum_j ds_ij k_j.
__global__ void __launch_bounds__(kThreads) attention_dq_kernel(float* dq, float* delta, const float* dout,
                                                                const float* out, const float* lse, const float* q,
                                                                const float* k, const float* v, int64_t T, int64_t S,
                                                                int H, int group, int D, float scale,
                                                                int64_t q_offset) {
  extern __shared__ float smem[];
  float* q_tile = smem;                              // [8][D]
  float* do_tile = q_tile + kRowsPerBlock * D;       // [8][D]
  float* k_tile = do_tile + kRowsPerBlock * D;       // [32][D + 1]
  float* v_tile = k_tile + kKeysPerTile * (D + 1);   // [32][D + 1]
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int h = blockIdx.y;
  const int64_t Wq = int64_t(H) * D, Wk = int64_t(H / group) * D, kv_col = int64_t(h / group) * D;
  const int64_t i0 = int64_t(blockIdx.x) * kRowsPerBlock, i = i0 + warp;
  const bool row_valid = i < T;

  load_tile(q_tile, D, q, Wq, int64_t(h) * D, i0, T, kRowsPerBlock, D);
  load_tile(do_tile, D, dout, Wq, int64_t(h) * D, i0, T, kRowsPerBlock, D);

  // Step 0: delta_i = dO_i . out_i (kept for the dk/dv kernel too).
  float delta_i = 0.0f, lse_i = 0.0f;
  if (row_valid) {
    for (int d = lane; d < D; d += 32) delta_i += dout[i * Wq + int64_t(h) * D + d] * out[i * Wq + int64_t(h) * D + d];
    delta_i = warp_sum(delta_i);
    lse_i = lse[int64_t(h) * T + i];
    if (lane == 0) delta[int64_t(h) * T + i] = delta_i;
  }

  float acc[kMaxPerLane];
#pragma unroll
  for (int u = 0; u < kMaxPerLane; ++u) acc[u] = 0.0f;

  const int64_t last_row = (i0 + kRowsPerBlock < T ? i0 + kRowsPerBlock : T) - 1;
  const int64_t n_keys = q_offset + last_row + 1;
  for (int64_t j0 = 0; j0 < n_keys; j0 += kKeysPerTile) {
    __syncthreads();
    load_tile(k_tile, D + 1, k, Wk, kv_col, j0, S, kKeysPerTile, D);
    load_tile(v_tile, D + 1, v, Wk, kv_col, j0, S, kKeysPerTile, D);
    __syncthreads();
    if (!row_valid) continue;

    // Step 1: lane jj recomputes p and ds for key j0 + jj.
    const int64_t j = j0 + lane;
    const bool visible = j <= q_offset + i && j < S;
    float s = 0.0f, dp = 0.0f;
    for (int d = 0; d < D; ++d) {
      s += q_tile[warp * D + d] * k_tile[lane * (D + 1) + d];
      dp += do_tile[warp * D + d] * v_tile[lane * (D + 1) + d];
    }
    const float p = visible ? expf(scale * s - lse_i) : 0.0f;
    const float ds = p * (dp - delta_i) * scale;

    // Step 2: dq += sum_jj ds_jj k_jj.
    for (int jj = 0; jj < kKeysPerTile; ++jj) {
      const float dsj = __shfl_sync(kFullMask, ds, jj);
#pragma unroll
      for (int u = 0; u < kMaxPerLane; ++u) {
        const int d = lane + 32 * u;
        if (d < D) acc[u] += dsj * k_tile[jj * (D + 1) + d];
      }
    }
  }
  if (!row_valid) return;
#pragma unroll
  for (int u = 0; u < kMaxPerLane; ++u) {
    const int d = lane + 32 * u;
    if (d < D) dq[i * Wq + int64_t(h) * D + d] = acc[u];
  }
}

// grid (ceil(S / 32), Hkv); dynamic shared memory: K, V [32][D], Q, dO [32][D+1], lse, delta [32].
// dv_j = sum_{h in group, i} p_ij dO_i; dk_j = sum_{h in group, i} ds_ij q_i.
__global__ void __launch_bounds__(kThreads) attention_dkdv_kernel(float* dk, float* dv, const float* dout,
                                                                  const float* delta, const float* lse, const float* q,
                                                                  const float* k, const float* v, int64_t T, int64_t S,
                                                                  int H, int group, int D, float scale,
                                                                  int64_t q_offset) {
  extern __shared__ float smem[];
  float* k_tile = smem;                               // [32][D]
  float* v_tile = k_tile + kKeysPerTile * D;          // [32][D]
  float* q_tile = v_tile + kKeysPerTile * D;          // [32][D + 1]
  float* do_tile = q_tile + kKeysPerTile * (D + 1);   // [32][D + 1]
  float* lse_tile = do_tile + kKeysPerTile * (D + 1); // [32]
  float* delta_tile = lse_tile + kKeysPerTile;        // [32]
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int hk = blockIdx.y;
  const int64_t Wq = int64_t(H) * D, Wk = int64_t(H / group) * D, kv_col = int64_t(hk) * D;
  const int64_t j0 = int64_t(blockIdx.x) * kKeysPerTile;

  load_tile(k_tile, D, k, Wk, kv_col, j0, S, kKeysPerTile, D);
  load_tile(v_tile, D, v, Wk, kv_col, j0, S, kKeysPerTile, D);

  float dk_acc[kKeysPerWarp][kMaxPerLane], dv_acc[kKeysPerWarp][kMaxPerLane];
#pragma unroll
  for (int kk = 0; kk < kKeysPerWarp; ++kk)
#pragma unroll
    for (int u = 0; u < kMaxPerLane; ++u) dk_acc[kk][u] = dv_acc[kk][u] = 0.0f;

  // The first query that sees key j0 is j0 - q_offset.
  const int64_t first_query = j0 > q_offset ? (j0 - q_offset) / kKeysPerTile * kKeysPerTile : 0;
  for (int g = 0; g < group; ++g) {
    const int h = hk * group + g;
    for (int64_t qi0 = first_query; qi0 < T; qi0 += kKeysPerTile) {
      __syncthreads();
      load_tile(q_tile, D + 1, q, Wq, int64_t(h) * D, qi0, T, kKeysPerTile, D);
      load_tile(do_tile, D + 1, dout, Wq, int64_t(h) * D, qi0, T, kKeysPerTile, D);
      if (threadIdx.x < kKeysPerTile) {
        const int64_t i = qi0 + threadIdx.x;
        lse_tile[threadIdx.x] = i < T ? lse[int64_t(h) * T + i] : 0.0f;
        delta_tile[threadIdx.x] = i < T ? delta[int64_t(h) * T + i] : 0.0f;
      }
      __syncthreads();

      const int64_t i = qi0 + lane;  // lane = query within the tile
#pragma unroll
      for (int kk = 0; kk < kKeysPerWarp; ++kk) {
        const int jl = warp * kKeysPerWarp + kk;
        const int64_t j = j0 + jl;
        // Step 1: lane ii recomputes p_ij and ds_ij for its query.
        const bool visible = i < T && j < S && j <= q_offset + i;
        float s = 0.0f, dp = 0.0f;
        for (int d = 0; d < D; ++d) {
          s += q_tile[lane * (D + 1) + d] * k_tile[jl * D + d];
          dp += do_tile[lane * (D + 1) + d] * v_tile[jl * D + d];
        }
        const float p = visible ? expf(scale * s - lse_tile[lane]) : 0.0f;
        const float ds = p * (dp - delta_tile[lane]) * scale;
        // Step 2: dv_j += sum_ii p dO_ii, dk_j += sum_ii ds q_ii over the lanes' head-dim elements.
        for (int ii = 0; ii < kKeysPerTile; ++ii) {
          const float pi = __shfl_sync(kFullMask, p, ii), dsi = __shfl_sync(kFullMask, ds, ii);
#pragma unroll
          for (int u = 0; u < kMaxPerLane; ++u) {
            const int d = lane + 32 * u;
            if (d < D) {
              dv_acc[kk][u] += pi * do_tile[ii * (D + 1) + d];
              dk_acc[kk][u] += dsi * q_tile[ii * (D + 1) + d];
            }
          }
        }
      }
    }
  }
#pragma unroll
  for (int kk = 0; kk < kKeysPerWarp; ++kk) {
    const int64_t j = j0 + warp * kKeysPerWarp + kk;
    if (j >= S) continue;
#pragma unroll
    for (int u = 0; u < kMaxPerLane; ++u) {
      const int d = lane + 32 * u;
      if (d < D) {
        dk[j * Wk + kv_col + d] = dk_acc[kk][u];
        dv[j * Wk + kv_col + d] = dv_acc[kk][u];
      }
    }
  }
}

}  // namespace

void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out, const Tensor& lse,
                        const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, int n_kv_heads, float scale,
                        int64_t q_offset) {
  const int64_t T = q.dim(0), S = k.dim(0), D = q.dim(1) / n_heads;
  RLVR_CHECK(D <= kMaxHeadDim, "kernels", "attention_backward: head_dim ", D, " is above the CUDA kernel's ",
             kMaxHeadDim);
  if (D == 0) return;
  const int group = n_heads / n_kv_heads;
  Tensor delta = Tensor::empty({n_heads, T}, DType::F32, Device::CUDA);
  if (T > 0) {
    const size_t smem = size_t(2 * kRowsPerBlock * D + 2 * kKeysPerTile * (D + 1)) * sizeof(float);
    allow_shared_bytes(attention_dq_kernel, smem);
    const dim3 grid(unsigned((T + kRowsPerBlock - 1) / kRowsPerBlock), unsigned(n_heads));
    attention_dq_kernel<<<grid, kThreads, smem>>>(dq.data<float>(), delta.data<float>(), dout.data<float>(),
                                                  out.data<float>(), lse.data<float>(), q.data<float>(),
                                                  k.data<float>(), v.data<float>(), T, S, n_heads, group, int(D),
                                                  scale, q_offset);
    check_launch();
  }
  if (S > 0) {
    const size_t smem = size_t(2 * kKeysPerTile * D + 2 * kKeysPerTile * (D + 1) + 2 * kKeysPerTile) * sizeof(float);
    allow_shared_bytes(attention_dkdv_kernel, smem);
    const dim3 grid(unsigned((S + kKeysPerTile - 1) / kKeysPerTile), unsigned(n_kv_heads));
    attention_dkdv_kernel<<<grid, kThreads, smem>>>(dk.data<float>(), dv.data<float>(), dout.data<float>(),
                                                    delta.data<float>(), lse.data<float>(), q.data<float>(),
                                                    k.data<float>(), v.data<float>(), T, S, n_heads, group, int(D),
                                                    scale, q_offset);
    check_launch();
  }
}

}  // namespace rlvr::cuda
