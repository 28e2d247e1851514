// CUDA elementwise ops and the F32 <-> BF16 conversions of Tensor::to(DType) for CUDA tensors.
#include <cuda_bf16.h>

#include <algorithm>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

__global__ void add_inplace_kernel(float* a, const float* b, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) a[i] += b[i];
}

__global__ void scale_inplace_kernel(float* a, float s, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) a[i] *= s;
}

// sum_squares over a list of tensors: a chunk of up to kSumChunk tensors per launch (their
// pointers passed by value), blockIdx.y picking the tensor; each block writes one partial sum in
// double (0 when its grid-stride range is empty), then one block adds all partials in a fixed
// order: deterministic, one copy to the host.
constexpr int kSumThreads = 256, kSumMaxBlocks = 264, kSumChunk = 64, kSumFinalThreads = 1024;
struct SumChunk {
  const float* data[kSumChunk];
  int64_t n[kSumChunk];
};

__global__ void sum_squares_kernel(double* partial, SumChunk chunk) {
  __shared__ double scratch[32];
  const float* a = chunk.data[blockIdx.y];
  const int64_t n = chunk.n[blockIdx.y];
  double s = 0;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    s += double(a[i]) * a[i];
  s = block_reduce(s, scratch, SumOp{});
  if (threadIdx.x == 0) partial[int64_t(blockIdx.y) * gridDim.x + blockIdx.x] = s;
}

__global__ void sum_partials_kernel(double* out, const double* partial, int64_t n) {
  __shared__ double scratch[32];
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += partial[i];
  s = block_reduce(s, scratch, SumOp{});
  if (threadIdx.x == 0) *out = s;
}

// Round to nearest even, NaN kept: __float2bfloat16_rn is what the CPU codec is tested against.
__global__ void f32_to_bf16_kernel(__nv_bfloat16* out, const float* in, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __float2bfloat16_rn(in[i]);
}

__global__ void bf16_to_f32_kernel(float* out, const __nv_bfloat16* in, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __bfloat162float(in[i]);
}

}  // namespace

void add_inplace(Tensor& a, const Tensor& b) {
  const int64_t n = a.numel();
  if (n == 0) return;
  add_inplace_kernel<<<blocks_for(n, 256), 256>>>(a.data<float>(), b.data<float>(), n);
  check_launch();
}

void scale_inplace(Tensor& a, float s) {
  const int64_t n = a.numel();
  if (n == 0) return;
  scale_inplace_kernel<<<blocks_for(n, 256), 256>>>(a.data<float>(), s, n);
  check_launch();
}

double sum_squares(const std::vector<const Tensor*>& tensors) {
  // Blocks per tensor in each chunk: what its largest tensor fills, at most kSumMaxBlocks.
  std::vector<int> blocks;
  int64_t n_partial = 0;
  for (size_t first = 0; first < tensors.size(); first += kSumChunk) {
    int64_t largest = 0;
    for (size_t i = first; i < std::min(tensors.size(), first + kSumChunk); ++i)
      largest = std::max(largest, tensors[i]->numel());
    blocks.push_back(int(std::min<int64_t>(kSumMaxBlocks, blocks_for(largest, kSumThreads))));
    n_partial += int64_t(blocks.back()) * int64_t(std::min<size_t>(kSumChunk, tensors.size() - first));
  }
  // NOTE: doubles in an F32 tensor of twice the length (Tensor has no f64 dtype); one extra for the total.
  Tensor scratch = Tensor::empty({2 * (n_partial + 1)}, DType::F32, Device::CUDA);
  double* partial = static_cast<double*>(scratch.raw());
  int64_t offset = 0;
  for (size_t first = 0, c = 0; first < tensors.size(); first += kSumChunk, ++c) {
    const size_t count = std::min<size_t>(kSumChunk, tensors.size() - first);
    SumChunk chunk{};
    for (size_t i = 0; i < count; ++i) {
      chunk.data[i] = tensors[first + i]->data<float>();
      chunk.n[i] = tensors[first + i]->numel();
    }
    sum_squares_kernel<<<dim3(unsigned(blocks[c]), unsigned(count)), kSumThreads>>>(partial + offset, chunk);
    check_launch();
    offset += int64_t(blocks[c]) * int64_t(count);
  }
  sum_partials_kernel<<<1, kSumFinalThreads>>>(partial + n_partial, partial, n_partial);
  check_launch();
  double total = 0;
  RLVR_CUDA_CHECK(cudaMemcpy(&total, partial + n_partial, sizeof(double), cudaMemcpyDeviceToHost));
  return total;
}

void convert_dtype(Tensor& out, const Tensor& in) {
  const int64_t n = in.numel();
  if (n == 0) return;
  if (in.dtype() == DType::F32 && out.dtype() == DType::BF16)
    f32_to_bf16_kernel<<<blocks_for(n, 256), 256>>>(static_cast<__nv_bfloat16*>(out.raw()), in.data<float>(), n);
  else if (in.dtype() == DType::BF16 && out.dtype() == DType::F32)
    bf16_to_f32_kernel<<<blocks_for(n, 256), 256>>>(out.data<float>(), static_cast<const __nv_bfloat16*>(in.raw()), n);
  else
    RLVR_FAIL("kernels", "CUDA tensor", "to(dtype): ", dtype_name(in.dtype()), " -> ", dtype_name(out.dtype()),
              " has no CUDA conversion (f32 <-> bf16 only)");
  check_launch();
}

}  // namespace rlvr::cuda
