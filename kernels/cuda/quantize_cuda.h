// Private to kernels/cuda/: the fused 128x1 quantize + transpose the CUDA quantizer launches.
// The CUDA quantizers themselves (kernels/cuda/ops_cuda.h) are bit-identical to the CPU ones
// (same layouts, same scale formula, IEEE division, round-to-nearest-even E4M3 with saturation).
#pragma once

#include "kernels/quantize.h"

namespace rlvr::cuda {

// Fills q.data (X^T [C,R]) and q.scales ([Rb][C]) from x [q.rows, q.cols] in one pass
// (kernels/cuda/quantize_transpose_cuda.cu).
// x: F32, or BF16 bits.
void quantize_128x1_transpose(QuantizedTensor& q, const float* x, bool pow2);
void quantize_128x1_transpose(QuantizedTensor& q, const unsigned short* x, bool pow2);

}  // namespace rlvr::cuda
