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

// Whether the CPU backend's FP8 GEMM multiplies dequantized F32 operands (OpenBLAS sgemm; then
// a weight's dequantized values are worth keeping, QuantizedTensor::dequantized) rather than
// the E4M3 codes themselves on AMX tiles (CPUs with AMX-BF16).
bool cpu_fp8_gemm_reads_dequantized();

// OpenBLAS picks its kernels from the CPU model when it loads, and falls back to generic
// SSE-era ones (about 4x slower GEMMs) on a model it does not know.
//
// The OPENBLAS_CORETYPE to use when OpenBLAS chose `chosen` on a CPU with these features:
// "SkylakeX" (AVX-512) or "Haswell" (AVX2) in place of a generic core; empty when `chosen` is fine.
std::string blas_coretype_for(const std::string& chosen, bool avx512, bool avx2);
// The core OpenBLAS runs in this process (openblas_get_corename).
std::string blas_core_name();
// First thing in main: when OpenBLAS chose generic kernels and the environment names no
// OPENBLAS_CORETYPE, runs this program again (execv of /proc/self/exe, same pid and arguments)
// with the one blas_coretype_for() gives. Returns when there is nothing to do or exec failed.
void select_blas_kernels(char** argv);
// A one-line note when this process still runs generic kernels on a CPU with AVX2 or AVX-512
// (OPENBLAS_CORETYPE set to one by the user, or exec failed); empty otherwise.
std::string blas_kernel_hint();

}  // namespace rlvr
