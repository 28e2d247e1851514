// Elementwise ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_elementwise.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void add_inplace(Tensor& a, const Tensor& b) {
  const char* op = "add_inplace";
  const Device dev = detail::op_device(op, {{"a", &a}, {"b", &b}});
  check_dtype(op, a, "a", DType::F32);
  check_dtype(op, b, "b", DType::F32);
  check_shape(op, b, "b", a.shape());
  detail::backend(dev, op).add_inplace(a, b);
}

void scale_inplace(Tensor& a, float s) {
  const char* op = "scale_inplace";
  const Device dev = detail::op_device(op, {{"a", &a}});
  check_dtype(op, a, "a", DType::F32);
  detail::backend(dev, op).scale_inplace(a, s);
}

double sum_squares(const Tensor& a) {
  const char* op = "sum_squares";
  const Device dev = detail::op_device(op, {{"a", &a}});
  check_dtype(op, a, "a", DType::F32);
  return detail::backend(dev, op).sum_squares(a);
}

}  // namespace rlvr
