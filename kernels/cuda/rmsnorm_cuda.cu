// CUDA RMSNorm forward and backward; row statistics accumulate in double as on the CPU.
#include <algorithm>
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

// dweight += sum_n dout[n, c] * x[n, c] * rstd[n], across blocks in two deterministic steps:
// blocks of 32 channels x 8 row lanes each add one chunk of rows (coalesced along the channels)
// into a partial sum per (chunk, channel); then one thread per channel adds its chunks in order.
// Products are rounded as the CPU rounds them; the sums are in double (the CPU adds in float,
// row by row, so the two differ by the CPU's rounding only).
constexpr int kDwCols = 32, kDwLanes = 8, kDwMaxChunks = 1024;
constexpr int64_t kDwMinRowsPerChunk = 64;

__global__ void rmsnorm_dweight_partial_kernel(double* partial, const float* dout, const float* x, const float* rstd,
                                               int64_t N, int64_t C, int64_t rows_per_chunk) {
  __shared__ double lanes[kDwLanes][kDwCols];
  const int64_t c = int64_t(blockIdx.x) * kDwCols + threadIdx.x;
  const int64_t first = int64_t(blockIdx.y) * rows_per_chunk, last = min(N, first + rows_per_chunk);
  double s = 0;
  if (c < C)
    for (int64_t n = first + threadIdx.y; n < last; n += kDwLanes)
      s += double(__fmul_rn(__fmul_rn(dout[n * C + c], x[n * C + c]), rstd[n]));
  lanes[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    double t = 0;
    for (int l = 0; l < kDwLanes; ++l) t += lanes[l][threadIdx.x];
    partial[int64_t(blockIdx.y) * C + c] = t;
  }
}

__global__ void rmsnorm_dweight_sum_kernel(float* dw, const double* partial, int64_t chunks, int64_t C) {
  const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= C) return;
  double t = 0;
  for (int64_t k = 0; k < chunks; ++k) t += partial[k * C + c];
  dw[c] = float(double(dw[c]) + t);
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
  check_launch();
  const int64_t chunks = std::min<int64_t>(kDwMaxChunks, (N + kDwMinRowsPerChunk - 1) / kDwMinRowsPerChunk);
  const int64_t rows_per_chunk = (N + chunks - 1) / chunks;
  // NOTE: doubles in an F32 tensor of twice the length (Tensor has no f64 dtype).
  Tensor partial = Tensor::empty({2 * chunks * C}, DType::F32, Device::CUDA);
  const dim3 grid(unsigned((C + kDwCols - 1) / kDwCols), unsigned(chunks)), block(kDwCols, kDwLanes);
  rmsnorm_dweight_partial_kernel<<<grid, block>>>(static_cast<double*>(partial.raw()), dout.data<float>(),
                                                  x.data<float>(), rstd.data<float>(), N, C, rows_per_chunk);
  check_launch();
  rmsnorm_dweight_sum_kernel<<<blocks_for(C, kThreads), kThreads>>>(
      dweight.data<float>(), static_cast<const double*>(partial.raw()), chunks, C);
  check_launch();
}

}  // namespace rlvr::cuda
