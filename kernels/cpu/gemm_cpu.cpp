// CPU GEMMs: OpenBLAS sgemm for FP32; BF16 operands widen exactly to FP32 first; FP8 operands
// are dequantized with their per-tile scales and multiplied in FP32, which is DESIGN.md's CPU
// emulation of the recipe (products of E4M3 values are exact in FP32).
#include <cblas.h>

#include <initializer_list>
#include <utility>

#include "kernels/fp_codec.h"
#include "kernels/gemm.h"

#ifdef RLVR_HAVE_CUDA
#include "kernels/cuda/cublaslt.h"
#endif

namespace rlvr {

namespace {

struct MatDims { int64_t rows, cols; };

MatDims op_dims(const Tensor& t, bool trans) {
  return trans ? MatDims{t.dim(1), t.dim(0)} : MatDims{t.dim(0), t.dim(1)};
}

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

// Every tensor of a GEMM on one device; true when that device is CUDA.
bool on_cuda(const char* op, std::initializer_list<std::pair<const char*, const Tensor*>> tensors) {
  const Tensor* first = nullptr;
  for (const auto& [name, t] : tensors) {
    RLVR_CHECK(t->defined(), "kernels", op, ": ", name, " is undefined");
    if (!first) first = t;
    RLVR_CHECK(t->device() == first->device(), "kernels", op, ": ", name, " is ", t->describe(), " but ",
               tensors.begin()->first, " is ", first->describe(), " (all tensors must share a device)");
  }
  return first && first->device() == Device::CUDA;
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
  const bool cuda = on_cuda("gemm", {{"y", &y}, {"a", &a}, {"b", &b}});
  check_ndim("gemm", a, "a", 2);
  check_ndim("gemm", b, "b", 2);
  check_dtype("gemm", y, "y", DType::F32);
  RLVR_CHECK(a.dtype() == b.dtype() && (a.dtype() == DType::F32 || a.dtype() == DType::BF16), "kernels",
             "gemm: operands ", a.describe(), " and ", b.describe(), " must both be f32 or both bf16");
  const MatDims da = op_dims(a, trans_a), db = op_dims(b, trans_b);
  RLVR_CHECK(da.cols == db.rows, "kernels", "gemm: inner dimensions differ: op(a) ", da.rows, "x", da.cols,
             ", op(b) ", db.rows, "x", db.cols, " (a ", a.describe(), trans_a ? " transposed" : "", ", b ",
             b.describe(), trans_b ? " transposed" : "", ")");
  check_shape("gemm", y, "y", {da.rows, db.cols});
#ifdef RLVR_HAVE_CUDA
  if (cuda) return cuda::gemm_cublaslt(y, a, trans_a, b, trans_b, accumulate);
#endif
  RLVR_CHECK(!cuda, "kernels", "gemm: CUDA tensors in a build without the CUDA backend");
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
  const bool cuda = on_cuda("gemm_fp8", {{"y", &y}, {"a.data", &a.data}, {"a.scales", &a.scales},
                                         {"b.data", &b.data}, {"b.scales", &b.scales}});
  RLVR_CHECK(a.layout != QuantLayout::Block128x128 || b.layout != QuantLayout::Block128x128, "kernels",
             "gemm_fp8: 128x128 x 128x128 is not a supported pairing (cuBLASLt rejects it)");
  const int64_t M = a.stored_rows(), N = b.stored_rows(), K = a.stored_k();
  RLVR_CHECK(b.stored_k() == K, "kernels", "gemm_fp8: K differs: A is ", M, "x", K, " (", quant_layout_name(a.layout),
             "), B is ", N, "x", b.stored_k(), " (", quant_layout_name(b.layout), ")");
  RLVR_CHECK(y.dtype() == DType::F32 || y.dtype() == DType::BF16, "kernels", "gemm_fp8: y is ", y.describe(),
             ", expected f32 or bf16");
  check_shape("gemm_fp8", y, "y", {M, N});
#ifdef RLVR_HAVE_CUDA
  if (cuda) return cuda::gemm_fp8_cublaslt(y, a, b, accumulate);
#endif
  RLVR_CHECK(!cuda, "kernels", "gemm_fp8: CUDA tensors in a build without the CUDA backend");
  const Tensor af = dequantize_fp8_stored(a), bf = dequantize_fp8_stored(b);
  if (y.dtype() == DType::F32) {
    sgemm(y, af.data<float>(), false, K, bf.data<float>(), true, K, M, N, K, accumulate);
    return;
  }
  Tensor acc = accumulate ? y.to(DType::F32) : Tensor::empty({M, N}, DType::F32);
  sgemm(acc, af.data<float>(), false, K, bf.data<float>(), true, K, M, N, K, accumulate);
  bf16* out = y.data<bf16>();
  const float* in = acc.data<float>();
  for (int64_t i = 0; i < M * N; ++i) out[i] = to_bf16(in[i]);
}

}  // namespace rlvr
