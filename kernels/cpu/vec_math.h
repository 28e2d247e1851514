// Private to kernels/cpu/: small row primitives written so that GCC vectorizes them at -O3
// without -ffast-math (eight independent accumulators, branch-free bodies; the kernels library
// builds with -fno-trapping-math -fno-math-errno, which lets GCC turn the selects into blends).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace rlvr::cpu {

// exp(x) in float, within 1 ulp of std::exp where the result is normal (tests/kernels/
// test_vec_math.cpp); exactly 0 for x <= -110 and -inf, +inf past 88.72, NaN for NaN. Range reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial (the classic
// Cephes expf coefficients), then 2^n applied as two factors so results underflow to denormals
// and 0 and overflow to inf by themselves. Branch-free, so loops over it vectorize.
inline float exp_fast(float x) {
  // Selects, not branches: with -fno-trapping-math (kernels/CMakeLists.txt) GCC vectorizes them.
  float xc = std::isless(x, -110.0f) ? -110.0f : x;
  xc = std::isgreater(xc, 89.0f) ? 89.0f : xc;
  // n = round(x / ln2) by the 1.5 * 2^23 trick: the low mantissa bits of `shifted` hold n.
  const float shifted = xc * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  float r = xc - n * 0.693359375f;  // ln2 split in two for an exact first step
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t n_int = int32_t(std::bit_cast<uint32_t>(shifted) - 0x4B400000u);  // in [-159, 129]
  const int32_t half = n_int >> 1;
  const float scale_lo = std::bit_cast<float>(uint32_t(half + 127) << 23);
  const float scale_hi = std::bit_cast<float>(uint32_t(n_int - half + 127) << 23);
  return p * scale_lo * scale_hi;  // NaN in: p is NaN
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

// sum_i a[i] * b[i] * c[i] accumulated in double (eight lanes), for statistics over long rows;
// pass c = nullptr for sum_i a[i] * b[i].
inline double dot3_f64(const float* a, const float* b, const float* c, int64_t n) {
  double acc[8] = {};
  int64_t i = 0;
  if (c) {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += double(a[i + j]) * double(b[i + j]) * double(c[i + j]);
  } else {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += double(a[i + j]) * double(b[i + j]);
  }
  double s = 0.0;
  for (; i < n; ++i) s += double(a[i]) * double(b[i]) * (c ? double(c[i]) : 1.0);
  for (int j = 0; j < 8; ++j) s += acc[j];
  return s;
}

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
