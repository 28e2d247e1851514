// GEMMs with FP32 accumulation: FP32, BF16 (operands BF16, exact products) and fine-grained FP8.
// Shapes: Y[M,N] (+)= op(A)·op(B) where op(X) = X or X^T as asked; FP8 is always the "TN"
// form cuBLASLt accepts, Y[M,N] = A[M,K]·B[N,K]^T on the stored operands of two quantized
// tensors (see kernels/quantize.h):
//   fprop  Y  = X·W^T : A = X  1x128,   B = W   128x128
//   dgrad  dX = dY·W  : A = dY 1x128,   B = W^T 128x128 (transpose_blocks(W))
//   wgrad  dW = dY^T·X: A = dY 128x1,   B = X   128x1   (both token-major)
#pragma once

#include <string>

#include "kernels/quantize.h"
#include "kernels/tensor.h"

namespace rlvr {

// y F32 [M,N]; a, b F32 or BF16 (both the same dtype).
void gemm(Tensor& y, const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, bool accumulate = false);
// y F32 or BF16 [M,N] = A[M,K]·B[N,K]^T from the stored FP8 operands and their scales.
void gemm_fp8(Tensor& y, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate = false);

// A one-line hint when OpenBLAS runs generic (SSE-era) kernels on a CPU with AVX2 or AVX-512
// (it does not know the model), naming the OPENBLAS_CORETYPE that fixes it; empty otherwise.
std::string blas_kernel_hint();

}  // namespace rlvr
