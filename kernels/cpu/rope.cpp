// CPU rotary position embedding (rotate_half pairs (i, i + D/2)), forward and its transpose.
#include <cmath>
#include <vector>

#include "kernels/cpu/ops_cpu.h"

namespace rlvr::cpu {
namespace {

// Rotates every head of x [T, H*D] by +angle (sign = 1) or -angle (sign = -1).
void rope_rotate(Tensor& x, const Tensor& positions, int head_dim, float theta, float sign, const char* op) {
  const int64_t T = x.dim(0), W = x.dim(1), D = head_dim, half = D / 2, H = W / D;
  // inv_freq as transformers computes it in float32: 1 / theta^(2i/D).
  std::vector<float> inv_freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    inv_freq[size_t(i)] = float(1.0 / std::pow(double(theta), double(2 * i) / double(D)));
  std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));
  const int32_t* pos = positions.data<int32_t>();
  float* xp = x.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    RLVR_CHECK(pos[t] >= 0, "kernels", op, ": positions[", t, "] = ", pos[t], " is negative");
    for (int64_t i = 0; i < half; ++i) {
      const float angle = float(pos[t]) * inv_freq[size_t(i)];  // float product, as in transformers
      cos_t[size_t(i)] = float(std::cos(double(angle)));
      sin_t[size_t(i)] = sign * float(std::sin(double(angle)));
    }
    for (int64_t h = 0; h < H; ++h) {
      float* a = xp + t * W + h * D;
      float* b = a + half;
      for (int64_t i = 0; i < half; ++i) {
        const float x1 = a[i], x2 = b[i];
        a[i] = x1 * cos_t[size_t(i)] - x2 * sin_t[size_t(i)];
        b[i] = x2 * cos_t[size_t(i)] + x1 * sin_t[size_t(i)];
      }
    }
  }
}

}  // namespace

void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta) {
  rope_rotate(x, positions, head_dim, theta, 1.0f, "rope_forward");
}

void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta) {
  rope_rotate(dx, positions, head_dim, theta, -1.0f, "rope_backward");
}

}  // namespace rlvr::cpu
