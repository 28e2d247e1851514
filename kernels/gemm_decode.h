// Decode GEMMs: Y[M,N] = X[M,K]·W[N,K]^T for a few activation rows against weights kept in their
// storage format (F32, BF16, or FP8 E4M3 bytes + 128x128 block scales), converted on the fly
// inside the kernel so each weight is read once at its stored width. Rows are independent: a
// row's result does not depend on M or on the other rows (batch-invariant decode).
#pragma once

#include <span>

#include "kernels/quantize.h"
#include "kernels/tensor.h"

namespace rlvr {

// The instruction sets the CPU kernels have paths for; Best picks the widest the CPU reports.
enum class CpuIsa : uint8_t { Best, Scalar, Avx2, Avx512 };
const char* cpu_isa_name(CpuIsa isa);
CpuIsa cpu_isa_best();              // runtime CPUID check
bool cpu_isa_supported(CpuIsa isa);

// x F32 [M,K] is quantized online in 1x128 tiles (power-of-2 scales if asked); w is a
// Block128x128 quantization of W[N,K]; y F32 [M,N]. Per 128-wide K block the E4M3 products are
// summed in FP32 and then scaled by x's tile scale times w's block scale (FP32 accumulation).
void gemm_fp8_decode(Tensor& y, const Tensor& x, const QuantizedTensor& w, bool pow2_x = false,
                     CpuIsa isa = CpuIsa::Best);
// Several gemm_fp8_decode products over rows of one x (q, k and v; gate and up; every expert of
// a MoE layer on its rows of the permuted tokens): *y [row1 - row0, N] = x[row0:row1]·w^T. x is
// quantized once and the products run in one round of pieces; each output's bits are those of
// its own gemm_fp8_decode call.
struct DecodeProduct {
  Tensor* y;
  const QuantizedTensor* w;
  int64_t row0, row1;
};
void gemm_fp8_decode_products(std::span<const DecodeProduct> products, const Tensor& x, bool pow2_x = false,
                              CpuIsa isa = CpuIsa::Best);
// x F32 [M,K] is rounded to BF16 (as the bf16 precision mode does); w BF16 [N,K]; y F32 [M,N].
void gemm_bf16_decode(Tensor& y, const Tensor& x, const Tensor& w, CpuIsa isa = CpuIsa::Best);
// x F32 [M,K]; w F32 [N,K]; y F32 [M,N].
void gemm_f32_decode(Tensor& y, const Tensor& x, const Tensor& w, CpuIsa isa = CpuIsa::Best);

}  // namespace rlvr
