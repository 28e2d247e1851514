// The CPU backend's GEMMs: OpenBLAS sgemm for FP32; BF16 operands widen exactly to FP32 first;
// FP8 operands are dequantized with their per-tile scales and multiplied in FP32, which is
// DESIGN.md's CPU emulation of the recipe (products of E4M3 values are exact in FP32).
#include <cblas.h>

#include "kernels/cpu/gemm_fp8_amx.h"
#include "kernels/cpu/ops_cpu.h"
#include "kernels/fp_codec.h"

namespace rlvr::cpu {
namespace {

struct MatDims { int64_t rows, cols; };

MatDims op_dims(const Tensor& t, bool trans) {
  return trans ? MatDims{t.dim(1), t.dim(0)} : MatDims{t.dim(0), t.dim(1)};
}

// OpenBLAS threads its own GEMMs (kernels/cpu/thread_pool.h says why the pool does not split them).
void sgemm(Tensor& y, const float* a, bool trans_a, int64_t lda, const float* b, bool trans_b, int64_t ldb,
           int64_t M, int64_t N, int64_t K, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) y.zero_();
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              int(M), int(N), int(K), 1.0f, a, int(lda), b, int(ldb), accumulate ? 1.0f : 0.0f,
              y.data<float>(), int(N));
}

// BF16 -> F32 is exact: the bits move up 16 places (a loop the compiler vectorizes).
Tensor widen_bf16(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), DType::F32);
  const uint16_t* in = reinterpret_cast<const uint16_t*>(t.data<bf16>());
  uint32_t* o = static_cast<uint32_t*>(out.raw());
  for (int64_t i = 0, n = t.numel(); i < n; ++i) o[i] = uint32_t(in[i]) << 16;
  return out;
}

}  // namespace

void gemm(Tensor& y, const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, bool accumulate) {
  const MatDims da = op_dims(a, trans_a), db = op_dims(b, trans_b);
  if (a.dtype() == DType::F32) {
    sgemm(y, a.data<float>(), trans_a, a.dim(1), b.data<float>(), trans_b, b.dim(1), da.rows, db.cols, da.cols,
          accumulate);
    return;
  }
  const Tensor af = widen_bf16(a), bf = widen_bf16(b);
  sgemm(y, af.data<float>(), trans_a, a.dim(1), bf.data<float>(), trans_b, b.dim(1), da.rows, db.cols, da.cols,
        accumulate);
}

void gemm_fp8(Tensor& y, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate) {
  const int64_t M = a.stored_rows(), N = b.stored_rows(), K = a.stored_k();
  const bool f32_out = y.dtype() == DType::F32;
  Tensor acc = f32_out ? y : accumulate ? y.to(DType::F32) : Tensor::empty({M, N}, DType::F32);
  if (amx_available()) {
    gemm_fp8_amx(acc.data<float>(), N, a, b, accumulate);
  } else {
    const Tensor af = a.dequantized.defined() ? a.dequantized : cpu::dequantize_fp8(a, /*logical=*/false);
    const Tensor bf = b.dequantized.defined() ? b.dequantized : cpu::dequantize_fp8(b, /*logical=*/false);
    sgemm(acc, af.data<float>(), false, K, bf.data<float>(), true, K, M, N, K, accumulate);
  }
  if (f32_out) return;
  bf16* out = y.data<bf16>();
  const float* in = acc.data<float>();
  for (int64_t i = 0; i < M * N; ++i) out[i] = to_bf16(in[i]);
}

}  // namespace rlvr::cpu

namespace rlvr {

bool cpu_fp8_gemm_reads_dequantized() { return !cpu::amx_available(); }

}  // namespace rlvr
