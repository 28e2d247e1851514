// CPU rotary position embedding (rotate_half pairs (i, i + D/2) or interleaved pairs (2i, 2i+1)),
// forward and its transpose.
#include <cmath>
#include <vector>

#include "kernels/cpu/ops_cpu.h"

namespace rlvr::cpu {
namespace {

// Rotates every head of x [T, H*D] by +angle (sign = 1) or -angle (sign = -1).
void rope_rotate(Tensor& x, const Tensor& positions, const RopeParams& p, float sign, const char* op) {
  const int64_t T = x.dim(0), W = x.dim(1), D = p.head_dim, half = D / 2, H = W / D;
  // The pair of element i: (i, i + D/2), or (2i, 2i + 1) interleaved.
  const int64_t first_step = p.interleaved ? 2 : 1, second_offset = p.interleaved ? 1 : half;
  std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));
  const int32_t* pos = positions.data<int32_t>();
  float* xp = x.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    RLVR_CHECK(pos[t] >= 0, "kernels", op, ": positions[", t, "] = ", pos[t], " is negative");
    for (int64_t i = 0; i < half; ++i) {
      const float angle = float(pos[t]) * p.inv_freq[size_t(i)];  // float product, as in transformers
      cos_t[size_t(i)] = float(std::cos(double(angle))) * p.attention_scaling;
      sin_t[size_t(i)] = sign * (float(std::sin(double(angle))) * p.attention_scaling);
    }
    for (int64_t h = 0; h < H; ++h) {
      float* head = xp + t * W + h * D;
      for (int64_t i = 0; i < half; ++i) {
        float* a = head + i * first_step;
        float* b = a + second_offset;
        const float x1 = *a, x2 = *b;
        *a = x1 * cos_t[size_t(i)] - x2 * sin_t[size_t(i)];
        *b = x2 * cos_t[size_t(i)] + x1 * sin_t[size_t(i)];
      }
    }
  }
}

}  // namespace

void rope_forward(Tensor& x, const Tensor& positions, const RopeParams& p) {
  rope_rotate(x, positions, p, 1.0f, "rope_forward");
}

void rope_backward(Tensor& dx, const Tensor& positions, const RopeParams& p) {
  rope_rotate(dx, positions, p, -1.0f, "rope_backward");
}

}  // namespace rlvr::cpu
