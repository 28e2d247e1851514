// CUDA rotary position embedding (rotate_half pairs (i, i + D/2)), forward and its transpose.
#include <cmath>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/cuda/ops_cuda.h"

namespace rlvr::cuda {
namespace {

// One thread per (token, head, pair). cos/sin in double of the float angle, as the CPU does.
// NOTE: explicit _rn products: a fused multiply-add would round differently from the CPU.
__global__ void rope_kernel(float* x, const int32_t* pos, const float* inv_freq, int64_t T, int64_t H, int64_t D,
                            float sign, unsigned long long* bad) {
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
  const float c = float(cos(double(angle))), s = __fmul_rn(sign, float(sin(double(angle))));
  float* a = x + t * H * D + h * D;
  const float x1 = a[i], x2 = a[i + half];
  a[i] = __fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s));
  a[i + half] = __fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s));
}

// inv_freq for (theta, head_dim) on the device, computed on the host with the CPU's exact
// formula (so the angles agree bit for bit) and uploaded once per pair.
const float* inv_freq(float theta, int64_t D) {
  static std::mutex mu;
  // NOTE: never destroyed, as the device cache (kernels/cuda/device_memory.cpp).
  static auto* cache = new std::map<std::pair<float, int64_t>, Tensor>;
  std::lock_guard<std::mutex> lock(mu);
  Tensor& t = (*cache)[{theta, D}];
  if (!t.defined()) {
    std::vector<float> f(static_cast<size_t>(D / 2));
    for (int64_t i = 0; i < D / 2; ++i) f[size_t(i)] = float(1.0 / std::pow(double(theta), double(2 * i) / double(D)));
    t = Tensor::from_floats({D / 2}, f).to(Device::CUDA);
  }
  return t.data<float>();
}

void rope_rotate(Tensor& x, const Tensor& positions, int head_dim, float theta, float sign, const char* op) {
  const int64_t T = x.dim(0), D = head_dim, H = x.dim(1) / D, half = D / 2;
  if (T * H * half == 0) return;
  BadIndexReport bad;
  rope_kernel<<<blocks_for(T * H * half, 256), 256>>>(x.data<float>(), positions.data<int32_t>(), inv_freq(theta, D),
                                                      T, H, D, sign, bad.slot());
  check_launch();
  bad.check([op, positions](int64_t t) {
    RLVR_FAIL("kernels", "bad position", op, ": positions[", t, "] = ",
              read_device_element(positions.data<int32_t>(), t), " is negative");
  });
}

}  // namespace

void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta) {
  rope_rotate(x, positions, head_dim, theta, 1.0f, "rope_forward");
}

void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta) {
  rope_rotate(dx, positions, head_dim, theta, -1.0f, "rope_backward");
}

}  // namespace rlvr::cuda
