// Elementwise ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_elementwise.h"

#include "kernels/cpu/ops_cpu.h"
#include "kernels/ops_dispatch.h"

namespace rlvr {

void add_inplace(Tensor& a, const Tensor& b) {
  const char* op = "add_inplace";
  const Device dev = detail::op_device(op, {{"a", &a}, {"b", &b}});
  check_dtype(op, a, "a", DType::F32);
  check_dtype(op, b, "b", DType::F32);
  check_shape(op, b, "b", a.shape());
  RLVR_IF_CUDA(dev, op, cuda::add_inplace(a, b));
  cpu::add_inplace(a, b);
}

void scale_inplace(Tensor& a, float s) {
  const char* op = "scale_inplace";
  const Device dev = detail::op_device(op, {{"a", &a}});
  check_dtype(op, a, "a", DType::F32);
  RLVR_IF_CUDA(dev, op, cuda::scale_inplace(a, s));
  cpu::scale_inplace(a, s);
}

double sum_squares(const Tensor& a) {
  const char* op = "sum_squares";
  const Device dev = detail::op_device(op, {{"a", &a}});
  check_dtype(op, a, "a", DType::F32);
  RLVR_IF_CUDA(dev, op, cuda::sum_squares(a));
  return cpu::sum_squares(a);
}

}  // namespace rlvr
