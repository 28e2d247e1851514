// CUDA kernels for 1x128-tile and 128x128-block FP8 quantization (layouts in kernels/quantize.h).
#include <cuda_fp8.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/fp8_device.cuh"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda/quantize_cuda.h"

namespace rlvr::cuda {

namespace {

// max of the magnitude bits over the warp: the CPU's amax_span (NaN sorts above infinity, so a
// tile holding a NaN gets amax NaN and scale 1, as on the CPU).
__device__ unsigned warp_max_bits(unsigned v) { return __reduce_max_sync(0xffffffffu, v); }

// One warp per 1x128 tile: grid (ceil(R/warps_per_block), ceil(C/128)); rows on x, whose limit
// is 2^31-1 (y stops at 65535, which a long token batch would exceed).
template <typename T>
__global__ void quantize_1x128_kernel(unsigned char* out, float* scales, const T* x, int64_t R, int64_t C,
                                      bool pow2) {
  const int lane = threadIdx.x % 32;
  const int64_t r = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  const int64_t cb = blockIdx.y;
  if (r >= R) return;
  const int64_t c0 = cb * kTile;
  float v[4];
  unsigned amax = 0;
  for (int i = 0; i < 4; ++i) {
    const int64_t c = c0 + lane + 32 * i;
    v[i] = c < C ? load_f32(x, r * C + c) : 0.0f;
    amax = max(amax, abs_bits(v[i]));
  }
  const float s = group_scale(__uint_as_float(warp_max_bits(amax)), pow2);
  if (lane == 0) scales[cb * R + r] = s;
  for (int i = 0; i < 4; ++i) {
    const int64_t c = c0 + lane + 32 * i;
    if (c < C) out[r * C + c] = to_e4m3(__fdiv_rn(v[i], s));
  }
}

// One block of 256 threads per 128x128 block: grid (ceil(C/128), ceil(R/128)). Each warp takes
// whole rows of the block. NOTE: the amax follows the CPU exactly: the max over rows of each
// row's bit-max, where a row holding a NaN is left out (std::max keeps the running value).
template <typename T>
__global__ void quantize_128x128_kernel(unsigned char* out, float* scales, const T* x, int64_t R, int64_t C,
                                        int64_t ld, bool pow2) {
  constexpr int kWarps = 8;
  __shared__ unsigned warp_amax[kWarps];
  __shared__ float block_scale;
  const int64_t r0 = int64_t(blockIdx.y) * kTile, c0 = int64_t(blockIdx.x) * kTile;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  unsigned amax = 0;
  for (int rr = warp; rr < kTile; rr += kWarps) {
    const int64_t r = r0 + rr;
    if (r >= R) break;
    unsigned row = 0;
    for (int i = 0; i < 4; ++i) {
      const int64_t c = c0 + lane + 32 * i;
      if (c < C) row = max(row, abs_bits(load_f32(x, r * C + c)));
    }
    row = warp_max_bits(row);
    if (row <= 0x7f800000u) amax = max(amax, row);  // not NaN
  }
  if (lane == 0) warp_amax[warp] = amax;
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned m = 0;
    for (int w = 0; w < kWarps; ++w) m = max(m, warp_amax[w]);
    block_scale = group_scale(__uint_as_float(m), pow2);
    scales[blockIdx.y * ld + blockIdx.x] = block_scale;
  }
  __syncthreads();
  const float s = block_scale;
  for (int i = threadIdx.x; i < kTile * kTile; i += blockDim.x) {
    const int64_t r = r0 + i / kTile, c = c0 + i % kTile;
    if (r < R && c < C) out[r * C + c] = to_e4m3(__fdiv_rn(load_f32(x, r * C + c), s));
  }
}

__global__ void fill_kernel(float* p, int64_t n, float v) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) p[i] = v;
}

// The launches for input elements T (float, or unsigned short holding BF16 bits).
template <typename T>
void quantize_into(QuantizedTensor& q, const T* in, QuantOptions opts) {
  const int64_t R = q.rows, C = q.cols, Cb = ceil_div(C, kTile), Rb = ceil_div(R, kTile);
  auto* out = static_cast<unsigned char*>(q.data.raw());
  switch (q.layout) {
    case QuantLayout::Tile1x128: {
      q.scales = Tensor::empty({Cb, R}, DType::F32, Device::CUDA);
      constexpr int kWarps = 8;
      const dim3 grid(unsigned(ceil_div(R, kWarps)), unsigned(Cb));
      quantize_1x128_kernel<<<grid, 32 * kWarps>>>(out, static_cast<float*>(q.scales.raw()), in, R, C,
                                                   opts.pow2_scales);
      break;
    }
    case QuantLayout::Block128x128: {
      const int64_t ld = block_scale_ld(C);
      q.scales = Tensor::empty({Rb, ld}, DType::F32, Device::CUDA);
      fill_kernel<<<unsigned(ceil_div(Rb * ld, 256)), 256>>>(static_cast<float*>(q.scales.raw()), Rb * ld, 1.0f);
      quantize_128x128_kernel<<<dim3(unsigned(Cb), unsigned(Rb)), 32 * 8>>>(
          out, static_cast<float*>(q.scales.raw()), in, R, C, ld, opts.pow2_scales);
      break;
    }
    case QuantLayout::Tile128x1:
      q.data = Tensor::empty({C, R}, DType::E4M3, Device::CUDA);
      q.scales = Tensor::empty({Rb, C}, DType::F32, Device::CUDA);
      quantize_128x1_transpose(q, in, opts.pow2_scales);
      break;
  }
  RLVR_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts) {
  QuantizedTensor q;
  q.layout = layout;
  q.rows = x.dim(0);
  q.cols = x.dim(1);
  const int64_t R = q.rows, C = q.cols, Cb = ceil_div(C, kTile), Rb = ceil_div(R, kTile);
  q.data = Tensor::empty({R, C}, DType::E4M3, Device::CUDA);
  if (R == 0 || C == 0) {
    const Shape scales = layout == QuantLayout::Block128x128 ? Shape{Rb, block_scale_ld(C)}
                         : layout == QuantLayout::Tile128x1  ? Shape{Rb, C}
                                                             : Shape{Cb, R};
    if (layout == QuantLayout::Tile128x1) q.data = Tensor::empty({C, R}, DType::E4M3, Device::CUDA);
    q.scales = Tensor::empty(scales, DType::F32, Device::CUDA);
    return q;
  }
  if (x.dtype() == DType::BF16) quantize_into(q, static_cast<const unsigned short*>(x.raw()), opts);
  else quantize_into(q, static_cast<const float*>(x.raw()), opts);
  return q;
}

}  // namespace rlvr::cuda
