// CUDA RMSNorm forward and backward; row statistics accumulate in double as on the CPU.
#include <cmath>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

constexpr int kThreads = 256;

// One block per row: rstd = 1 / sqrt(mean(x^2) + eps); out = x * rstd * w.
__global__ void rmsnorm_forward_kernel(float* out, float* rstd, const float* x, const float* w, int64_t C, float eps) {
  __shared__ double scratch[32];
  const int64_t n = blockIdx.x;
  const float* xr = x + n * C;
  double ss = 0.0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) ss += double(xr[c]) * double(xr[c]);
  ss = block_reduce(ss, scratch, SumOp{});
  const float r = float(1.0 / sqrt(ss / double(C) + double(eps)));
  if (threadIdx.x == 0) rstd[n] = r;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) out[n * C + c] = __fmul_rn(__fmul_rn(xr[c], r), w[c]);
}

// One block per row: dx = rstd * dout * w - x * rstd^3 * mean(dout * w * x).
__global__ void rmsnorm_backward_dx_kernel(float* dx, const float* dout, const float* x, const float* w,
                                           const float* rstd, int64_t C) {
  __shared__ double scratch[32];
  const int64_t n = blockIdx.x;
  const float* xr = x + n * C;
  const float* dr = dout + n * C;
  double gx = 0.0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) gx += double(dr[c]) * double(w[c]) * double(xr[c]);
  gx = block_reduce(gx, scratch, SumOp{});
  const float r = rstd[n];
  const float k = float(gx / double(C)) * r * r * r;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dx[n * C + c] = r * dr[c] * w[c] - xr[c] * k;
}

// One thread per channel, rows in order: the CPU's summation order (and its fused multiply-add).
__global__ void rmsnorm_backward_dweight_kernel(float* dw, const float* dout, const float* x, const float* rstd,
                                                int64_t N, int64_t C) {
  const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= C) return;
  float acc = dw[c];
  for (int64_t n = 0; n < N; ++n) acc = __fmaf_rn(__fmul_rn(dout[n * C + c], x[n * C + c]), rstd[n], acc);
  dw[c] = acc;
}

}  // namespace

void rmsnorm_forward(Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps) {
  const int64_t N = x.dim(0), C = x.dim(1);
  if (N == 0) return;
  rmsnorm_forward_kernel<<<unsigned(N), kThreads>>>(out.data<float>(), rstd.data<float>(), x.data<float>(),
                                                    weight.data<float>(), C, eps);
  check_launch();
}

void rmsnorm_backward(Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x, const Tensor& weight,
                      const Tensor& rstd) {
  const int64_t N = x.dim(0), C = x.dim(1);
  if (N == 0 || C == 0) return;
  rmsnorm_backward_dx_kernel<<<unsigned(N), kThreads>>>(dx.data<float>(), dout.data<float>(), x.data<float>(),
                                                        weight.data<float>(), rstd.data<float>(), C);
  rmsnorm_backward_dweight_kernel<<<blocks_for(C, kThreads), kThreads>>>(dweight.data<float>(), dout.data<float>(),
                                                                        x.data<float>(), rstd.data<float>(), N, C);
  check_launch();
}

}  // namespace rlvr::cuda
