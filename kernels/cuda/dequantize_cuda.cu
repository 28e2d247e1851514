// FP8 back to F32 on the device (any layout), and the exact 128x128-block transpose dgrad needs.
#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/fp8_device.cuh"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/quantize.h"

namespace rlvr::cuda {
namespace {

// One thread per stored element i = row * K + k. Scale index per layout (kernels/quantize.h):
// tiles: s[(k/128) * n_rows + row]; blocks: s[(row/128) * ld + k/128].
// With `transpose_out`, writes out[k * n_rows + row] (a 128x1 quantization back to [R, C]).
__global__ void dequantize_kernel(float* out, const unsigned char* data, const float* scales, int64_t n_rows,
                                  int64_t K, bool blocks, int64_t ld, bool transpose_out) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n_rows * K) return;
  const int64_t row = i / K, k = i % K;
  const float s = blocks ? scales[(row / kTile) * ld + k / kTile] : scales[(k / kTile) * n_rows + row];
  const float v = e4m3_to_float(data[i]) * s;
  if (transpose_out) out[k * n_rows + row] = v;
  else out[i] = v;
}

// 32x32 byte tiles through shared memory: in [R, C] -> out [C, R].
__global__ void transpose_bytes_kernel(unsigned char* out, const unsigned char* in, int64_t R, int64_t C) {
  __shared__ unsigned char tile[32][33];
  const int64_t r0 = int64_t(blockIdx.y) * 32, c0 = int64_t(blockIdx.x) * 32;
  for (int rr = threadIdx.y; rr < 32; rr += blockDim.y) {
    const int64_t r = r0 + rr, c = c0 + threadIdx.x;
    if (r < R && c < C) tile[rr][threadIdx.x] = in[r * C + c];
  }
  __syncthreads();
  for (int cc = threadIdx.y; cc < 32; cc += blockDim.y) {
    const int64_t c = c0 + cc, r = r0 + threadIdx.x;
    if (r < R && c < C) out[c * R + r] = tile[threadIdx.x][cc];
  }
}

// so[cb * ld_out + rb] = si[rb * ld_in + cb]; padding entries hold 1 as on the CPU.
__global__ void transpose_block_scales_kernel(float* so, const float* si, int64_t Rb, int64_t Cb, int64_t ld_in,
                                              int64_t ld_out) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= Cb * ld_out) return;
  const int64_t cb = i / ld_out, rb = i % ld_out;
  so[i] = rb < Rb ? si[rb * ld_in + cb] : 1.0f;
}

}  // namespace

Tensor dequantize_fp8(const QuantizedTensor& q, bool logical) {
  const int64_t n = q.stored_rows(), k = q.stored_k();
  const bool transpose = logical && q.layout == QuantLayout::Tile128x1;
  Tensor out = Tensor::empty(transpose ? Shape{k, n} : Shape{n, k}, DType::F32, Device::CUDA);
  if (n * k == 0) return out;
  dequantize_kernel<<<blocks_for(n * k, 256), 256>>>(
      static_cast<float*>(out.raw()), static_cast<const unsigned char*>(q.data.raw()),
      static_cast<const float*>(q.scales.raw()), n, k, q.layout == QuantLayout::Block128x128,
      block_scale_ld(q.cols), transpose);
  check_launch();
  return out;
}

// The GPU's GEMMs read the bytes, so nothing on the training path asks for this: the plain
// composition, in x's layout.
Tensor fp8_round_trip(const Tensor& x, QuantLayout layout, bool pow2_scales) {
  return cuda::dequantize_fp8(cuda::quantize_fp8(x, layout, QuantOptions{pow2_scales}), /*logical=*/true);
}

QuantizedTensor transpose_blocks(const QuantizedTensor& w) {
  QuantizedTensor t;
  t.layout = QuantLayout::Block128x128;
  t.rows = w.cols;
  t.cols = w.rows;
  const int64_t R = w.rows, C = w.cols, Rb = ceil_div(R, kQuantTile), Cb = ceil_div(C, kQuantTile);
  const int64_t ld_in = block_scale_ld(C), ld_out = block_scale_ld(R);
  t.data = Tensor::empty({C, R}, DType::E4M3, Device::CUDA);
  t.scales = Tensor::empty({Cb, ld_out}, DType::F32, Device::CUDA);
  if (R * C > 0)
    transpose_bytes_kernel<<<dim3(unsigned(ceil_div(C, 32)), unsigned(ceil_div(R, 32))), dim3(32, 8)>>>(
        static_cast<unsigned char*>(t.data.raw()), static_cast<const unsigned char*>(w.data.raw()), R, C);
  if (Cb * ld_out > 0)
    transpose_block_scales_kernel<<<blocks_for(Cb * ld_out, 256), 256>>>(
        static_cast<float*>(t.scales.raw()), static_cast<const float*>(w.scales.raw()), Rb, Cb, ld_in, ld_out);
  check_launch();
  return t;
}

}  // namespace rlvr::cuda
