// Elementwise ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_elementwise.h"

#include <string>

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

double sum_squares(const Tensor& a) { return sum_squares(std::vector<const Tensor*>{&a}); }

double sum_squares(const std::vector<const Tensor*>& tensors) {
  const char* op = "sum_squares";
  if (tensors.empty()) return 0.0;
  Device dev = Device::CPU;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string name = cat("tensors[", i, "]");
    const Device d = detail::op_device(op, {{name.c_str(), tensors[i]}});
    if (i == 0) dev = d;
    RLVR_CHECK(d == dev, "kernels", op, ": ", name, " is ", tensors[i]->describe(), " but tensors[0] is ",
               tensors[0]->describe(), " (all tensors must share a device)");
    check_dtype(op, *tensors[i], name.c_str(), DType::F32);
  }
  return detail::backend(dev, op).sum_squares(tensors);
}

}  // namespace rlvr
