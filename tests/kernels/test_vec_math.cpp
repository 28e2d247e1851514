// The CPU row primitives of kernels/cpu/vec_math.h: exp_fast's accuracy and special values,
// and the lane-split reductions against plain double loops on odd lengths.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/vec_math.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

TEST(VecMath, ExpFastWithinOneUlpOverTheNormalRange) {
  double worst = 0.0;
  float worst_x = 0.0f;
  for (float x = -87.0f; x < 88.7f; x += 0.00137f) {
    const float want = std::exp(x), got = cpu::exp_fast(x);
    const double ulps = std::abs(double(got) - double(want)) / double(std::nextafter(want, INFINITY) - want);
    if (ulps > worst) {
      worst = ulps;
      worst_x = x;
    }
  }
  EXPECT_LE(worst, 1.0) << "at x = " << worst_x;
}

TEST(VecMath, ExpFastSpecialValues) {
  EXPECT_EQ(cpu::exp_fast(0.0f), 1.0f);
  EXPECT_EQ(cpu::exp_fast(-INFINITY), 0.0f);
  EXPECT_EQ(cpu::exp_fast(-200.0f), 0.0f);
  EXPECT_EQ(cpu::exp_fast(INFINITY), INFINITY);
  EXPECT_EQ(cpu::exp_fast(100.0f), INFINITY);
  EXPECT_TRUE(std::isnan(cpu::exp_fast(NAN)));
  // Denormal results stay close to the true value (relative error grows as bits run out).
  EXPECT_NEAR(cpu::exp_fast(-100.0f) / std::exp(-100.0f), 1.0, 1e-2);
}

TEST(VecMath, ReductionsMatchDoubleLoops) {
  Rng rng(3);
  for (int64_t n : {0, 1, 7, 8, 9, 130, 4097}) {
    std::vector<float> a, b;
    for (double x : rng.floats(n, -3, 3)) a.push_back(float(x));
    for (double x : rng.floats(n, -3, 3)) b.push_back(float(x));
    double dot = 0.0, mx = -INFINITY, se = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      dot += double(a[size_t(i)]) * b[size_t(i)];
      mx = std::max(mx, double(a[size_t(i)]));
    }
    for (int64_t i = 0; i < n; ++i) se += std::exp(double(a[size_t(i)]) - 1.0);
    EXPECT_NEAR(cpu::dot(a.data(), b.data(), n), dot, 1e-4 * (1 + std::abs(dot))) << n;
    EXPECT_NEAR(cpu::dot3_f64(a.data(), b.data(), nullptr, n), dot, 1e-9 * (1 + std::abs(dot))) << n;
    EXPECT_EQ(cpu::row_max(a.data(), n), float(mx)) << n;
    EXPECT_NEAR(cpu::sum_exp(a.data(), n, 1.0f), se, 1e-5 * (1 + se)) << n;
  }
}

}  // namespace
}  // namespace rlvr::test
