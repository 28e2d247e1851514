// CPU elementwise ops, column-block copies and dtype conversion.
#include <cstring>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/fp_codec.h"

namespace rlvr::cpu {

void add_inplace(Tensor& a, const Tensor& b) {
  float* x = a.data<float>();
  const float* y = b.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) x[i] += y[i];
}

void scale_inplace(Tensor& a, float s) {
  float* x = a.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) x[i] *= s;
}

void copy_columns(Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols, bool accumulate) {
  const int64_t R = dst.dim(0), Wd = dst.dim(1), Ws = src.dim(1);
  float* d = dst.data<float>() + dst_col;
  const float* s = src.data<float>() + src_col;
  for (int64_t r = 0; r < R; ++r) {
    if (accumulate)
      for (int64_t j = 0; j < n_cols; ++j) d[r * Wd + j] += s[r * Ws + j];
    else
      std::memcpy(d + r * Wd, s + r * Ws, size_t(n_cols) * sizeof(float));
  }
}

// Each tensor's sum in index order, the sums added in list order.
double sum_squares(const std::vector<const Tensor*>& tensors) {
  double total = 0;
  for (const Tensor* a : tensors) {
    const float* x = a->data<float>();
    double s = 0;
    for (int64_t i = 0, n = a->numel(); i < n; ++i) s += double(x[i]) * x[i];
    total += s;
  }
  return total;
}

// Any float format to any other, through f32 (Tensor::to rules out i32).
void convert_dtype(Tensor& out, const Tensor& in) {
  std::vector<float> converted;
  if (in.dtype() != DType::F32) converted = in.to_floats();
  const float* f = in.dtype() == DType::F32 ? in.data<float>() : converted.data();
  const int64_t n = in.numel();
  switch (out.dtype()) {
    case DType::F32: std::memcpy(out.raw(), f, out.nbytes()); break;
    case DType::BF16: for (int64_t i = 0; i < n; ++i) out.data<bf16>()[i] = to_bf16(f[i]); break;
    case DType::E4M3: for (int64_t i = 0; i < n; ++i) out.data<fp8e4m3>()[i] = to_e4m3(f[i]); break;
    case DType::E5M2: for (int64_t i = 0; i < n; ++i) out.data<fp8e5m2>()[i] = to_e5m2(f[i]); break;
    case DType::I32: break;
  }
}

}  // namespace rlvr::cpu
