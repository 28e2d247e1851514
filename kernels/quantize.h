// Fine-grained FP8 E4M3 quantization (DeepSeek-V3 recipe): 1x128 tiles, 128x1 tiles and
// 128x128 blocks, scale = amax/448 per group computed online, optional power-of-2 scales.
// Data and scales are laid out exactly as cuBLASLt's block-scaled FP8 GEMMs read them, so
// nothing is rearranged between quantize and GEMM:
//   Tile1x128    of X[R,C]: data [R,C];            scales [Cb][R]   (scale(r, cb) = s[cb*R + r])
//   Tile128x1    of X[R,C]: data X^T [C,R];        scales [Rb][C]   (a 1x128 tiling of X^T, for wgrad)
//   Block128x128 of W[R,C]: data [R,C];            scales [Rb][ld]  (ld = Cb rounded up to 4)
// where Cb = ceil(C/128), Rb = ceil(R/128). Partial tiles at the edges are quantized with the
// amax of the elements that exist. An all-zero group gets scale 1. QuantLayout, QuantOptions
// and QuantizedTensor are in kernels/op_params.h.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace rlvr {

constexpr int64_t kQuantTile = 128;

const char* quant_layout_name(QuantLayout l);

int64_t ceil_div(int64_t a, int64_t b);
int64_t block_scale_ld(int64_t cols);  // ceil(cols/128) rounded up to a multiple of 4

// scale for a group with the given amax: amax/448, 1 when amax is 0, rounded up to 2^k if asked.
float fp8_group_scale(float amax, bool pow2);

// x: F32 or BF16 [R,C].
QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts = {});
// The logical source matrix [rows, cols] in F32 (Tile128x1 is transposed back).
Tensor dequantize_fp8(const QuantizedTensor& q);
// The stored matrix [stored_rows, stored_k] in F32, as a GEMM operand sees it.
Tensor dequantize_fp8_stored(const QuantizedTensor& q);
// x [R,C] (F32 or BF16) quantized with `layout`'s tiles and dequantized, F32 in x's own layout:
// dequantize_fp8(quantize_fp8(x, layout, {pow2_scales})) bit for bit, the values an FP8 GEMM
// multiplies. The CPU computes them without forming the E4M3 bytes or the transposed layout.
Tensor fp8_round_trip(const Tensor& x, QuantLayout layout, bool pow2_scales = false);
// A Block128x128 quantization of W^T from the one of W: the same blocks transposed, exact.
QuantizedTensor transpose_blocks(const QuantizedTensor& w);

}  // namespace rlvr
