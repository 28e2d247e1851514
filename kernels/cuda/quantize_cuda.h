// CUDA fine-grained FP8 quantization, bit-identical to the CPU one (same layouts, same scale
// formula, IEEE division, round-to-nearest-even E4M3 with saturation), and its inverses.
#pragma once

#include "kernels/quantize.h"

namespace rlvr::cuda {

// x: F32 or BF16 [R, C] on the device; every layout of kernels/quantize.h.
QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts);
// Fills q.data (X^T [C,R]) and q.scales ([Rb][C]) from x [q.rows, q.cols] in one pass
// (kernels/cuda/quantize_transpose_cuda.cu).
// x: F32, or BF16 bits.
void quantize_128x1_transpose(QuantizedTensor& q, const float* x, bool pow2);
void quantize_128x1_transpose(QuantizedTensor& q, const unsigned short* x, bool pow2);
// The stored matrix [stored_rows, stored_k] in F32, or the logical one [rows, cols] when
// `logical` (which transposes a 128x1 quantization back).
Tensor dequantize_fp8(const QuantizedTensor& q, bool logical);
// A Block128x128 quantization of W^T from the one of W (data and scale grid transposed, exact).
QuantizedTensor transpose_blocks(const QuantizedTensor& w);

}  // namespace rlvr::cuda
