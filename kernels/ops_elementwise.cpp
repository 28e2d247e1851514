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

void copy_columns(Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols, bool accumulate) {
  const char* op = "copy_columns";
  const Device dev = detail::op_device(op, {{"dst", &dst}, {"src", &src}});
  check_ndim(op, dst, "dst", 2);
  check_ndim(op, src, "src", 2);
  check_dtype(op, dst, "dst", DType::F32);
  check_dtype(op, src, "src", DType::F32);
  RLVR_CHECK(dst.dim(0) == src.dim(0), "kernels", op, ": dst ", dst.describe(), " and src ", src.describe(),
             " have different row counts");
  RLVR_CHECK(n_cols >= 0 && dst_col >= 0 && src_col >= 0 && dst_col + n_cols <= dst.dim(1) &&
                 src_col + n_cols <= src.dim(1),
             "kernels", op, ": columns [", src_col, ", ", src_col + n_cols, ") of src ", src.describe(), " to [",
             dst_col, ", ", dst_col + n_cols, ") of dst ", dst.describe(), " are out of range");
  RLVR_CHECK(dst.numel() == 0 || src.numel() == 0 || dst.raw() != src.raw(), "kernels", op,
             ": dst and src share storage");
  if (n_cols == 0 || dst.dim(0) == 0) return;
  detail::backend(dev, op).copy_columns(dst, dst_col, src, src_col, n_cols, accumulate);
}

}  // namespace rlvr
