// CUDA fine-grained FP8 quantization, bit-identical to the CPU one (same layouts, same scale
// formula, IEEE division, round-to-nearest-even E4M3 with saturation).
#pragma once

#include "kernels/quantize.h"

namespace rlvr::cuda {

// x: F32 [R, C] on the device. Tile1x128 and Block128x128 so far; Tile128x1 is a TODO of the
// CUDA issue (fused quantize + transpose).
QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts);

}  // namespace rlvr::cuda
