// GEMMs: argument checks, then dispatch to the backend of the tensors' device (the CPU's
// OpenBLAS path in kernels/cpu/gemm_cpu.cpp, cuBLASLt in kernels/cuda/cublaslt.cpp).
#include "kernels/gemm.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void gemm(Tensor& y, const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, bool accumulate) {
  const char* op = "gemm";
  const Device dev = detail::op_device(op, {{"y", &y}, {"a", &a}, {"b", &b}});
  check_ndim(op, a, "a", 2);
  check_ndim(op, b, "b", 2);
  check_dtype(op, y, "y", DType::F32);
  RLVR_CHECK(a.dtype() == b.dtype() && (a.dtype() == DType::F32 || a.dtype() == DType::BF16), "kernels",
             "gemm: operands ", a.describe(), " and ", b.describe(), " must both be f32 or both bf16");
  const int64_t M = trans_a ? a.dim(1) : a.dim(0), K = trans_a ? a.dim(0) : a.dim(1);
  const int64_t Kb = trans_b ? b.dim(1) : b.dim(0), N = trans_b ? b.dim(0) : b.dim(1);
  RLVR_CHECK(K == Kb, "kernels", "gemm: inner dimensions differ: op(a) ", M, "x", K, ", op(b) ", Kb, "x", N,
             " (a ", a.describe(), trans_a ? " transposed" : "", ", b ", b.describe(), trans_b ? " transposed" : "",
             ")");
  check_shape(op, y, "y", {M, N});
  detail::backend(dev, op).gemm(y, a, trans_a, b, trans_b, accumulate);
}

void gemm_fp8(Tensor& y, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate) {
  const char* op = "gemm_fp8";
  const Device dev = detail::op_device(op, {{"y", &y}, {"a.data", &a.data}, {"a.scales", &a.scales},
                                            {"b.data", &b.data}, {"b.scales", &b.scales}});
  RLVR_CHECK(a.layout != QuantLayout::Block128x128 || b.layout != QuantLayout::Block128x128, "kernels",
             "gemm_fp8: 128x128 x 128x128 is not a supported pairing (cuBLASLt rejects it)");
  const int64_t M = a.stored_rows(), N = b.stored_rows(), K = a.stored_k();
  RLVR_CHECK(b.stored_k() == K, "kernels", "gemm_fp8: K differs: A is ", M, "x", K, " (", quant_layout_name(a.layout),
             "), B is ", N, "x", b.stored_k(), " (", quant_layout_name(b.layout), ")");
  RLVR_CHECK(y.dtype() == DType::F32 || y.dtype() == DType::BF16, "kernels", "gemm_fp8: y is ", y.describe(),
             ", expected f32 or bf16");
  check_shape(op, y, "y", {M, N});
  detail::check_quantized(op, a, "a");
  detail::check_quantized(op, b, "b");
  detail::backend(dev, op).gemm_fp8(y, a, b, accumulate);
}

}  // namespace rlvr
