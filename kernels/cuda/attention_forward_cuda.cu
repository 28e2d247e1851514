// CUDA causal GQA attention forward, flash-style: key/value tiles stream through shared memory
// with an online softmax, so no T x S score matrix is ever stored. One warp per query row.
#include <cmath>

#include "kernels/cuda/attention_tiles.cuh"
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

using namespace attn;

// grid (ceil(T / 8), Hq), 256 threads; dynamic shared memory: Q [8][D], K [32][D+1], V [32][D].
// out [T, Hq*D]; lse [Hq, T]; q [T, Hq*D]; k, v [S, Hkv*D].
__global__ void __launch_bounds__(kThreads) attention_forward_kernel(float* out, float* lse, const float* q,
                                                                     const float* k, const float* v, int64_t T,
                                                                     int64_t S, int H, int group, int D, float scale,
                                                                     int64_t q_offset) {
  extern __shared__ float smem[];
  float* q_tile = smem;                                  // [kRowsPerBlock][D]
  float* k_tile = q_tile + kRowsPerBlock * D;            // [kKeysPerTile][D + 1]
  float* v_tile = k_tile + kKeysPerTile * (D + 1);       // [kKeysPerTile][D]
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int h = blockIdx.y;
  const int64_t Wq = int64_t(H) * D, Wk = int64_t(H / group) * D, kv_col = int64_t(h / group) * D;
  const int64_t i0 = int64_t(blockIdx.x) * kRowsPerBlock, i = i0 + warp;
  const bool row_valid = i < T;

  load_tile(q_tile, D, q, Wq, int64_t(h) * D, i0, T, kRowsPerBlock, D);

  // Online softmax state of this warp's row: running max m, running sum l, output acc.
  float m = -INFINITY, l = 0.0f, acc[kMaxPerLane];
#pragma unroll
  for (int u = 0; u < kMaxPerLane; ++u) acc[u] = 0.0f;

  // Keys the block's last row can see (causal), in tiles of 32.
  const int64_t last_row = (i0 + kRowsPerBlock < T ? i0 + kRowsPerBlock : T) - 1;
  const int64_t n_keys = q_offset + last_row + 1;
  for (int64_t j0 = 0; j0 < n_keys; j0 += kKeysPerTile) {
    __syncthreads();  // the previous tile is consumed (and q_tile written, on the first pass)
    load_tile(k_tile, D + 1, k, Wk, kv_col, j0, S, kKeysPerTile, D);
    load_tile(v_tile, D, v, Wk, kv_col, j0, S, kKeysPerTile, D);
    __syncthreads();
    if (!row_valid) continue;

    // Step 1: lane jj scores key j0 + jj against the row (masked past the causal limit).
    const int64_t j = j0 + lane;
    const bool visible = j <= q_offset + i && j < S;
    float s = 0.0f;
    for (int d = 0; d < D; ++d) s += q_tile[warp * D + d] * k_tile[lane * (D + 1) + d];
    s = visible ? scale * s : -INFINITY;

    // Step 2: rescale the running state to the new max.
    const float m_new = fmaxf(m, warp_max(s));
    const float p = visible ? expf(s - m_new) : 0.0f;
    const float corr = m == -INFINITY ? 0.0f : expf(m - m_new);
    l = l * corr + warp_sum(p);
    m = m_new;

    // Step 3: acc = acc * corr + sum_jj p_jj v_jj, each lane owning head-dim elements lane + 32u.
#pragma unroll
    for (int u = 0; u < kMaxPerLane; ++u) acc[u] *= corr;
    for (int jj = 0; jj < kKeysPerTile; ++jj) {
      const float pj = __shfl_sync(kFullMask, p, jj);
#pragma unroll
      for (int u = 0; u < kMaxPerLane; ++u) {
        const int d = lane + 32 * u;
        if (d < D) acc[u] += pj * v_tile[jj * D + d];
      }
    }
  }
  if (!row_valid) return;
  const float inv_l = 1.0f / l;
#pragma unroll
  for (int u = 0; u < kMaxPerLane; ++u) {
    const int d = lane + 32 * u;
    if (d < D) out[i * Wq + int64_t(h) * D + d] = acc[u] * inv_l;
  }
  if (lane == 0) lse[int64_t(h) * T + i] = m + logf(l);
}

}  // namespace

void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v, int n_heads,
                       int n_kv_heads, float scale, int64_t q_offset) {
  const int64_t T = q.dim(0), S = k.dim(0), D = q.dim(1) / n_heads;
  RLVR_CHECK(D <= kMaxHeadDim, "kernels", "attention_forward: head_dim ", D, " is above the CUDA kernel's ",
             kMaxHeadDim);
  if (T == 0 || D == 0) return;
  const size_t smem = size_t(kRowsPerBlock * D + kKeysPerTile * (D + 1) + kKeysPerTile * D) * sizeof(float);
  allow_shared_bytes(attention_forward_kernel, smem);
  const dim3 grid(unsigned((T + kRowsPerBlock - 1) / kRowsPerBlock), unsigned(n_heads));
  attention_forward_kernel<<<grid, kThreads, smem>>>(out.data<float>(), lse.data<float>(), q.data<float>(),
                                                     k.data<float>(), v.data<float>(), T, S, n_heads,
                                                     n_heads / n_kv_heads, int(D), scale, q_offset);
  check_launch();
}

}  // namespace rlvr::cuda
