// CPU elementwise ops.
#include "kernels/cpu/ops_cpu.h"

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

double sum_squares(const Tensor& a) {
  const float* x = a.data<float>();
  double s = 0;
  for (int64_t i = 0, n = a.numel(); i < n; ++i) s += double(x[i]) * x[i];
  return s;
}

}  // namespace rlvr::cpu
