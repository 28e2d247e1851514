// Shared helpers of the op tests: seeded random tensors (never all zeros), float64 comparison
// that reports the first bad index with both values, and central finite differences.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr::test {

using Vec = std::vector<double>;

struct Rng {
  std::mt19937_64 gen;
  explicit Rng(uint64_t seed) : gen(seed) {}
  // Uniform in [lo, hi), redrawn away from zero so no input is accidentally all zeros.
  double uniform(double lo = -2.0, double hi = 2.0) {
    for (;;) {
      const double u = std::uniform_real_distribution<double>(lo, hi)(gen);
      if (std::abs(u) > 1e-3) return u;
    }
  }
  int32_t integer(int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(gen); }
  // n floats rounded to float32 and returned as doubles, so kernel and reference see the same values.
  Vec floats(int64_t n, double lo = -2.0, double hi = 2.0) {
    Vec v(static_cast<size_t>(n));
    for (double& x : v) x = double(float(uniform(lo, hi)));
    return v;
  }
  std::vector<int32_t> ints(int64_t n, int32_t lo, int32_t hi) {
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (int32_t& x : v) x = integer(lo, hi);
    return v;
  }
};

inline Tensor f32(const Shape& shape, const Vec& values) {
  std::vector<float> f(values.begin(), values.end());
  return Tensor::from_floats(shape, f);
}

inline Tensor i32(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  EXPECT_EQ(int64_t(values.size()), t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
  return t;
}

inline Vec to_vec(const Tensor& t) {
  const std::vector<float> f = t.to_floats();
  return Vec(f.begin(), f.end());
}

// Passes when |got - want| <= atol + rtol * |want| everywhere; otherwise names the first bad
// index with both values and counts the bad ones.
inline ::testing::AssertionResult all_close(const std::string& what, const Vec& want, const Vec& got,
                                            double atol, double rtol) {
  if (want.size() != got.size())
    return ::testing::AssertionFailure() << what << ": size " << got.size() << ", expected " << want.size();
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < want.size(); ++i) {
    const bool same_inf = std::isinf(want[i]) && want[i] == got[i];
    const bool ok = same_inf || std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]);
    if (!ok && bad++ == 0) first = int64_t(i);
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << bad << " of " << want.size()
                                       << " elements differ; first at index " << first << ": got "
                                       << got[size_t(first)] << ", expected " << want[size_t(first)]
                                       << " (atol " << atol << ", rtol " << rtol << ")";
}

// d f / d x by central differences in float64.
inline Vec numeric_grad(const std::function<double(const Vec&)>& f, Vec x, double h = 1e-6) {
  Vec g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    x[i] = keep + h;
    const double up = f(x);
    x[i] = keep - h;
    const double down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2.0 * h);
  }
  return g;
}

inline double weighted_sum(const Vec& w, const Vec& y) {
  double s = 0.0;
  for (size_t i = 0; i < y.size(); ++i) s += w[i] * y[i];
  return s;
}

// Expects f to throw rlvr::Error whose message contains every piece of `needles`.
template <typename F>
void expect_error_mentions(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected rlvr::Error mentioning " << needles.front();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const std::string& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

}  // namespace rlvr::test
