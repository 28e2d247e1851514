// CPU elementwise ops.
#include "kernels/cpu/ops_cpu.h"

namespace rlvr::cpu {

void add_inplace(Tensor& a, const Tensor& b) {
  float* x = a.data<float>();
  const float* y = b.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) x[i] += y[i];
}

}  // namespace rlvr::cpu
