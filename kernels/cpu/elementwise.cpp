// CPU elementwise ops and dtype conversion.
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
