// CPU RMSNorm forward and backward; statistics accumulate in double (C can be thousands).
#include <cmath>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"

namespace rlvr::cpu {

void rmsnorm_forward(Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps) {
  const int64_t N = x.dim(0), C = x.dim(1);
  const float* xp = x.data<float>();
  const float* w = weight.data<float>();
  float* o = out.data<float>();
  float* rs = rstd.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = xp + n * C;
    const double ss = dot3_f64(xr, xr, nullptr, C);
    const float r = float(1.0 / std::sqrt(ss / double(C) + double(eps)));
    rs[n] = r;
    float* orow = o + n * C;
    for (int64_t c = 0; c < C; ++c) orow[c] = xr[c] * r * w[c];
  }
}

// With g = dout * weight: dx = rstd * g - x * rstd^3 * mean(g * x); dweight += dout * x * rstd.
void rmsnorm_backward(Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x,
                      const Tensor& weight, const Tensor& rstd) {
  const int64_t N = x.dim(0), C = x.dim(1);
  const float* xp = x.data<float>();
  const float* w = weight.data<float>();
  const float* d = dout.data<float>();
  const float* rs = rstd.data<float>();
  float* dxp = dx.data<float>();
  float* dw = dweight.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = xp + n * C;
    const float* dr = d + n * C;
    const float r = rs[n];
    const double gx = dot3_f64(dr, w, xr, C);
    const float k = float(gx / double(C)) * r * r * r;
    float* dxr = dxp + n * C;
    for (int64_t c = 0; c < C; ++c) {
      dxr[c] = r * dr[c] * w[c] - xr[c] * k;
      dw[c] += dr[c] * xr[c] * r;
    }
  }
}

}  // namespace rlvr::cpu
