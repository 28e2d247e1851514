// Private to kernels/cpu/: small row primitives written so that GCC vectorizes them at -O3
// without -ffast-math (eight independent accumulators, branch-free bodies).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace rlvr::cpu {

// exp(x) in float, within 2 ulp of std::exp for x >= -87.3 and 0 below (where expf is denormal);
// +inf past 88.7. Range reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 polynomial (the
// classic Cephes expf coefficients). Branch-free so loops over it vectorize.
inline float exp_fast(float x) {
  const float xc = std::fmin(std::fmax(x, -87.3f), 88.7f);
  const float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f;  // ln2 split in two for an exact first step
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>(uint32_t(int32_t(n) + 127) << 23);
  float y = p * scale;
  y = x < -87.3f ? 0.0f : y;
  y = x > 88.7f ? INFINITY : y;
  return x != x ? x : y;
}

inline float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float s = 0.0f;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int j = 0; j < 8; ++j) s += acc[j];
  return s;
}

inline float sum_squares(const float* a, int64_t n) { return dot(a, a, n); }

// Largest element (NaN-propagating is not needed: callers treat a NaN row as garbage in).
inline float row_max(const float* a, int64_t n) {
  float acc[8];
  for (int j = 0; j < 8; ++j) acc[j] = -INFINITY;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] = a[i + j] > acc[j] ? a[i + j] : acc[j];
  float m = -INFINITY;
  for (; i < n; ++i) m = a[i] > m ? a[i] : m;
  for (int j = 0; j < 8; ++j) m = acc[j] > m ? acc[j] : m;
  return m;
}

// sum_i exp(a[i] - shift).
inline float sum_exp(const float* a, int64_t n, float shift) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += exp_fast(a[i + j] - shift);
  float s = 0.0f;
  for (; i < n; ++i) s += exp_fast(a[i] - shift);
  for (int j = 0; j < 8; ++j) s += acc[j];
  return s;
}

// log sum_i exp(a[i]); -inf for an empty or all -inf row.
inline float log_sum_exp(const float* a, int64_t n) {
  const float m = row_max(a, n);
  if (m == -INFINITY) return -INFINITY;
  return m + std::log(sum_exp(a, n, m));
}

}  // namespace rlvr::cpu
