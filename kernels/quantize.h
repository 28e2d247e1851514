// Fine-grained FP8 E4M3 quantization (DeepSeek-V3 recipe): 1x128 tiles, 128x1 tiles and
// 128x128 blocks, scale = amax/448 per group computed online, optional power-of-2 scales.
// Data and scales are laid out exactly as cuBLASLt's block-scaled FP8 GEMMs read them, so
// nothing is rearranged between quantize and GEMM:
//   Tile1x128    of X[R,C]: data [R,C];            scales [Cb][R]   (scale(r, cb) = s[cb*R + r])
//   Tile128x1    of X[R,C]: data X^T [C,R];        scales [Rb][C]   (a 1x128 tiling of X^T, for wgrad)
//   Block128x128 of W[R,C]: data [R,C];            scales [Rb][ld]  (ld = Cb rounded up to 4)
// where Cb = ceil(C/128), Rb = ceil(R/128). Partial tiles at the edges are quantized with the
// amax of the elements that exist. An all-zero group gets scale 1.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace rlvr {

constexpr int64_t kQuantTile = 128;

enum class QuantLayout : uint8_t { Tile1x128, Tile128x1, Block128x128 };
const char* quant_layout_name(QuantLayout l);

struct QuantOptions {
  bool pow2_scales = false;  // round each scale up to a power of two
};

struct QuantizedTensor {
  Tensor data;    // E4M3, stored as the layout says (Tile128x1 stores the transpose)
  Tensor scales;  // F32, cuBLASLt layout above
  QuantLayout layout = QuantLayout::Tile1x128;
  int64_t rows = 0, cols = 0;  // the logical source matrix X[rows, cols]

  // The GEMM operand view: the stored matrix is [stored_rows, stored_k] with K contiguous.
  int64_t stored_rows() const { return layout == QuantLayout::Tile128x1 ? cols : rows; }
  int64_t stored_k() const { return layout == QuantLayout::Tile128x1 ? rows : cols; }
  // Scale applying to stored element (i, k).
  float stored_scale(int64_t i, int64_t k) const;
  size_t nbytes() const { return data.nbytes() + scales.nbytes(); }
};

int64_t ceil_div(int64_t a, int64_t b);
int64_t block_scale_ld(int64_t cols);  // ceil(cols/128) rounded up to a multiple of 4

// scale for a group with the given amax: amax/448, 1 when amax is 0, rounded up to 2^k if asked.
float fp8_group_scale(float amax, bool pow2);

// x: F32 or BF16 [R,C] on the CPU (CUDA: kernels/cuda/).
QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts = {});
// The logical source matrix [rows, cols] in F32 (Tile128x1 is transposed back).
Tensor dequantize_fp8(const QuantizedTensor& q);
// The stored matrix [stored_rows, stored_k] in F32, as a GEMM operand sees it.
Tensor dequantize_fp8_stored(const QuantizedTensor& q);
// A Block128x128 quantization of W^T from the one of W: the same blocks transposed, exact.
QuantizedTensor transpose_blocks(const QuantizedTensor& w);

}  // namespace rlvr
