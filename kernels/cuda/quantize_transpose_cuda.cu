// The fused 128x1 quantize + transpose kernel: wgrad's token-major FP8 operand straight from
// the token-major activations X[R,C] (scales over 128 tokens of one channel), one read of X.
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/fp8_device.cuh"
#include "kernels/cuda/quantize_cuda.h"

namespace rlvr::cuda {
namespace {

constexpr int kCols = 32;     // channels per block: one warp-wide row of X per load
constexpr int kThreads = 256;

// One block per (128 tokens, 32 channels): grid (ceil(C/32), ceil(R/128)).
template <typename T>
__global__ void quantize_128x1_transpose_kernel(unsigned char* out, float* scales, const T* x, int64_t R,
                                                int64_t C, bool pow2) {
  // NOTE: +1 column of padding: the transposed reads walk a column, 32 different banks.
  __shared__ float tile[kTile][kCols + 1];
  __shared__ unsigned part_amax[kThreads / kCols][kCols];
  __shared__ float col_scale[kCols];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int64_t r0 = int64_t(blockIdx.y) * kTile, c0 = int64_t(blockIdx.x) * kCols;
  const int64_t c = c0 + lane;

  // Load 128 x 32 floats, coalesced along channels; missing elements read as 0 (no effect on amax).
  for (int rr = warp; rr < kTile; rr += kThreads / 32) {
    const int64_t r = r0 + rr;
    tile[rr][lane] = (r < R && c < C) ? load_f32(x, r * C + c) : 0.0f;
  }
  __syncthreads();

  // Per-channel amax over the 128 tokens: each warp takes 16 rows, then 8 partials per channel.
  unsigned m = 0;
  for (int rr = warp * 16; rr < warp * 16 + 16; ++rr) m = max(m, abs_bits(tile[rr][lane]));
  part_amax[warp][lane] = m;
  __syncthreads();
  if (warp == 0) {
    for (int w = 1; w < kThreads / kCols; ++w) m = max(m, part_amax[w][lane]);
    const float s = group_scale(__uint_as_float(m), pow2);
    col_scale[lane] = s;
    if (c < C) scales[int64_t(blockIdx.y) * C + c] = s;
  }
  __syncthreads();

  // Quantize and write transposed: warp w writes output rows (channels) w, w+8, ...; each lane
  // 4 consecutive tokens, so a warp stores 128 contiguous bytes.
  for (int cc = warp; cc < kCols; cc += kThreads / 32) {
    const int64_t ch = c0 + cc;
    if (ch >= C) break;
    const float s = col_scale[cc];
    unsigned char* dst = out + ch * R;
    const int64_t r = r0 + 4 * lane;
    unsigned char b[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) b[i] = to_e4m3(__fdiv_rn(tile[4 * lane + i][cc], s));
    if (r + 3 < R && (R % 4) == 0) {
      *reinterpret_cast<unsigned*>(dst + r) = unsigned(b[0]) | unsigned(b[1]) << 8 | unsigned(b[2]) << 16 |
                                              unsigned(b[3]) << 24;
    } else {
#pragma unroll
      for (int i = 0; i < 4; ++i)
        if (r + i < R) dst[r + i] = b[i];
    }
  }
}

template <typename T>
void launch(QuantizedTensor& q, const T* x, bool pow2) {
  const int64_t R = q.rows, C = q.cols;
  if (R == 0 || C == 0) return;
  const dim3 grid(unsigned(ceil_div(C, kCols)), unsigned(ceil_div(R, kTile)));
  quantize_128x1_transpose_kernel<<<grid, kThreads>>>(static_cast<unsigned char*>(q.data.raw()),
                                                      static_cast<float*>(q.scales.raw()), x, R, C, pow2);
  check_launch();
}

}  // namespace

void quantize_128x1_transpose(QuantizedTensor& q, const float* x, bool pow2) { launch(q, x, pow2); }
void quantize_128x1_transpose(QuantizedTensor& q, const unsigned short* x, bool pow2) { launch(q, x, pow2); }

}  // namespace rlvr::cuda
