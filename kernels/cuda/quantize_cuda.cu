// CUDA kernels for 1x128-tile and 128x128-block FP8 quantization (layouts in kernels/quantize.h).
#include <cuda_fp8.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/fp8_device.cuh"
#include "kernels/cuda/quantize_cuda.h"

namespace rlvr::cuda {

namespace {

__device__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// One warp per 1x128 tile: grid (ceil(C/128), ceil(R/warps_per_block)).
__global__ void quantize_1x128_kernel(unsigned char* out, float* scales, const float* x, int64_t R, int64_t C,
                                      bool pow2) {
  const int lane = threadIdx.x % 32;
  const int64_t r = int64_t(blockIdx.y) * (blockDim.x / 32) + threadIdx.x / 32;
  const int64_t cb = blockIdx.x;
  if (r >= R) return;
  const int64_t c0 = cb * kTile;
  float v[4];
  float amax = 0.0f;
  for (int i = 0; i < 4; ++i) {
    const int64_t c = c0 + lane + 32 * i;
    v[i] = c < C ? x[r * C + c] : 0.0f;
    amax = fmaxf(amax, fabsf(v[i]));
  }
  amax = warp_max(amax);
  const float s = group_scale(amax, pow2);
  if (lane == 0) scales[cb * R + r] = s;
  for (int i = 0; i < 4; ++i) {
    const int64_t c = c0 + lane + 32 * i;
    if (c < C) out[r * C + c] = to_e4m3(__fdiv_rn(v[i], s));
  }
}

// One block of 256 threads per 128x128 block: grid (ceil(C/128), ceil(R/128)).
__global__ void quantize_128x128_kernel(unsigned char* out, float* scales, const float* x, int64_t R, int64_t C,
                                        int64_t ld, bool pow2) {
  __shared__ float warp_amax[8];
  __shared__ float block_scale;
  const int64_t r0 = int64_t(blockIdx.y) * kTile, c0 = int64_t(blockIdx.x) * kTile;
  const int tid = threadIdx.x;
  float amax = 0.0f;
  for (int i = tid; i < kTile * kTile; i += blockDim.x) {
    const int64_t r = r0 + i / kTile, c = c0 + i % kTile;
    if (r < R && c < C) amax = fmaxf(amax, fabsf(x[r * C + c]));
  }
  amax = warp_max(amax);
  if (tid % 32 == 0) warp_amax[tid / 32] = amax;
  __syncthreads();
  if (tid == 0) {
    float m = 0.0f;
    for (int w = 0; w < int(blockDim.x / 32); ++w) m = fmaxf(m, warp_amax[w]);
    block_scale = group_scale(m, pow2);
    scales[blockIdx.y * ld + blockIdx.x] = block_scale;
  }
  __syncthreads();
  const float s = block_scale;
  for (int i = tid; i < kTile * kTile; i += blockDim.x) {
    const int64_t r = r0 + i / kTile, c = c0 + i % kTile;
    if (r < R && c < C) out[r * C + c] = to_e4m3(__fdiv_rn(x[r * C + c], s));
  }
}

__global__ void fill_kernel(float* p, int64_t n, float v) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) p[i] = v;
}

}  // namespace

QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts) {
  RLVR_CHECK(x.dtype() == DType::F32 && x.ndim() == 2, "kernels", "cuda quantize_fp8: x is ", x.describe(),
             ", expected a 2-D f32 tensor");
  QuantizedTensor q;
  q.layout = layout;
  q.rows = x.dim(0);
  q.cols = x.dim(1);
  const int64_t R = q.rows, C = q.cols, Cb = ceil_div(C, kTile), Rb = ceil_div(R, kTile);
  q.data = Tensor::empty({R, C}, DType::E4M3, Device::CUDA);
  auto* out = static_cast<unsigned char*>(q.data.raw());
  const auto* in = static_cast<const float*>(x.raw());
  if (R == 0 || C == 0) {
    const Shape scales = layout == QuantLayout::Block128x128 ? Shape{Rb, block_scale_ld(C)}
                         : layout == QuantLayout::Tile128x1  ? Shape{Rb, C}
                                                             : Shape{Cb, R};
    if (layout == QuantLayout::Tile128x1) q.data = Tensor::empty({C, R}, DType::E4M3, Device::CUDA);
    q.scales = Tensor::empty(scales, DType::F32, Device::CUDA);
    return q;
  }
  switch (layout) {
    case QuantLayout::Tile1x128: {
      q.scales = Tensor::empty({Cb, R}, DType::F32, Device::CUDA);
      constexpr int kWarps = 8;
      const dim3 grid(unsigned(Cb), unsigned(ceil_div(R, kWarps)));
      quantize_1x128_kernel<<<grid, 32 * kWarps>>>(out, static_cast<float*>(q.scales.raw()), in, R, C,
                                                   opts.pow2_scales);
      break;
    }
    case QuantLayout::Block128x128: {
      const int64_t ld = block_scale_ld(C);
      q.scales = Tensor::empty({Rb, ld}, DType::F32, Device::CUDA);
      fill_kernel<<<unsigned(ceil_div(Rb * ld, 256)), 256>>>(static_cast<float*>(q.scales.raw()), Rb * ld, 1.0f);
      quantize_128x128_kernel<<<dim3(unsigned(Cb), unsigned(Rb)), 256>>>(
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
  return q;
}

}  // namespace rlvr::cuda
