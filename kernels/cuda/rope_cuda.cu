// CUDA rotary position embedding (rotate_half pairs (i, i + D/2) or interleaved pairs (2i, 2i+1)),
// forward and its transpose.
#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

// One thread per (token, head, pair). cos/sin in double of the float angle, as the CPU does.
// NOTE: explicit _rn products: a fused multiply-add would round differently from the CPU.
__global__ void rope_kernel(float* x, const int32_t* pos, const float* inv_freq, int64_t T, int64_t H, int64_t D,
                            float sign, float scaling, bool interleaved, unsigned long long* bad) {
  const int64_t half = D / 2;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= T * H * half) return;
  const int64_t i = idx % half, h = (idx / half) % H, t = idx / (half * H);
  const int32_t p = pos[t];
  if (p < 0) {
    report_bad_index(bad, t);
    return;
  }
  const float angle = __fmul_rn(float(p), inv_freq[i]);
  const float c = __fmul_rn(float(cos(double(angle))), scaling);
  const float s = __fmul_rn(sign, __fmul_rn(float(sin(double(angle))), scaling));
  float* a = x + t * H * D + h * D + (interleaved ? 2 * i : i);
  float* b = a + (interleaved ? 1 : half);
  const float x1 = *a, x2 = *b;
  *a = __fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s));
  *b = __fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s));
}

// The inverse frequencies on the device, uploaded once per distinct table (the host's values,
// the CPU's, so the angles agree bit for bit).
const float* device_inv_freq(const std::vector<float>& f) {
  static std::mutex mu;
  // NOTE: never destroyed, as the device cache (kernels/cuda/device_memory.cpp).
  static auto* cache = new std::map<std::vector<float>, Tensor>;
  std::lock_guard<std::mutex> lock(mu);
  Tensor& t = (*cache)[f];
  if (!t.defined()) t = Tensor::from_floats({int64_t(f.size())}, f).to(Device::CUDA);
  return t.data<float>();
}

void rope_rotate(Tensor& x, const Tensor& positions, const RopeParams& p, float sign, const char* op) {
  const int64_t T = x.dim(0), D = p.head_dim, H = x.dim(1) / D, half = D / 2;
  if (T * H * half == 0) return;
  BadIndexReport bad;
  rope_kernel<<<blocks_for(T * H * half, 256), 256>>>(x.data<float>(), positions.data<int32_t>(),
                                                      device_inv_freq(p.inv_freq), T, H, D, sign,
                                                      p.attention_scaling, p.interleaved, bad.slot());
  check_launch();
  bad.check([op, positions](int64_t t) {
    RLVR_FAIL("kernels", "bad position", op, ": positions[", t, "] = ",
              read_device_element(positions.data<int32_t>(), t), " is negative");
  });
}

}  // namespace

void rope_forward(Tensor& x, const Tensor& positions, const RopeParams& p) {
  rope_rotate(x, positions, p, 1.0f, "rope_forward");
}

void rope_backward(Tensor& dx, const Tensor& positions, const RopeParams& p) {
  rope_rotate(dx, positions, p, -1.0f, "rope_backward");
}

}  // namespace rlvr::cuda
