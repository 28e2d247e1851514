// AdamW against a float64 reference that keeps its moments rounded to BF16 between steps,
// over several steps, shapes and weight decays.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/fp_codec.h"
#include "kernels/ops.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

struct AdamWCase { int64_t n; int steps; float weight_decay; };

class AdamW : public ::testing::TestWithParam<AdamWCase> {};

TEST_P(AdamW, MatchesFloat64ReferenceWithBf16Moments) {
  const AdamWCase& c = GetParam();
  Rng rng(uint64_t(c.n) * 17 + uint64_t(c.steps));
  Vec w = rng.floats(c.n), m(size_t(c.n), 0.0), v(size_t(c.n), 0.0);
  Tensor param = f32({c.n}, w);
  Tensor mt = Tensor::zeros({c.n}, DType::BF16), vt = Tensor::zeros({c.n}, DType::BF16);
  AdamWParams p;
  p.lr = 1e-2f;
  p.weight_decay = c.weight_decay;
  for (int s = 1; s <= c.steps; ++s) {
    p.step = s;
    const Vec g = rng.floats(c.n, -1, 1);
    adamw_step(param, f32({c.n}, g), mt, vt, p);
    const double b1 = p.beta1, b2 = p.beta2, lr = p.lr;
    for (int64_t i = 0; i < c.n; ++i) {
      const double mi = b1 * m[i] + (1 - b1) * g[i], vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const double mhat = mi / (1 - std::pow(b1, s)), vhat = vi / (1 - std::pow(b2, s));
      w[i] = w[i] * (1 - lr * double(p.weight_decay)) - lr * mhat / (std::sqrt(vhat) + double(p.eps));
      m[i] = round_bf16(float(mi));  // what the BF16 moment storage keeps
      v[i] = round_bf16(float(vi));
    }
    // Moments: a BF16 rounding of values that differ from the reference's in the last float
    // bits can land one BF16 ulp (2^-8 relative) apart. Weights: float32 update steps of size
    // ~lr accumulate a few float ulp per step.
    ASSERT_TRUE(all_close("m", m, to_vec(mt), 1e-30, 8e-3)) << "step " << s;
    ASSERT_TRUE(all_close("v", v, to_vec(vt), 1e-30, 8e-3)) << "step " << s;
    ASSERT_TRUE(all_close("param", w, to_vec(param), 2e-6, 1e-5)) << "step " << s;
  }
  // The moments really are stored as BF16: every stored value is exactly representable.
  for (float x : mt.to_floats()) ASSERT_EQ(round_bf16(x), x);
}

INSTANTIATE_TEST_SUITE_P(Table, AdamW,
                         ::testing::Values(AdamWCase{1, 3, 0.0f}, AdamWCase{7, 5, 0.1f}, AdamWCase{130, 10, 0.0f},
                                           AdamWCase{4096, 4, 0.01f}));

TEST(AdamW, FirstStepMomentsAreTheBf16RoundingOfTheFloatMoments) {
  // From zero moments m = (1 - beta1) g and v = (1 - beta2) g^2 exactly as float computes them,
  // so the stored bits must equal the codec's round-to-nearest-even of those floats; a NaN
  // gradient stores the canonical NaN.
  Rng rng(21);
  const int64_t n = 4096;
  Vec g = rng.floats(n, -3, 3);
  g[7] = NAN;
  Tensor param = f32({n}, rng.floats(n)), m = Tensor::zeros({n}, DType::BF16), v = Tensor::zeros({n}, DType::BF16);
  adamw_step(param, f32({n}, g), m, v, AdamWParams{});
  for (int64_t i = 0; i < n; ++i) {
    const float gi = float(g[size_t(i)]);
    ASSERT_EQ(m.data<bf16>()[i].bits, float_to_bf16_bits((1.0f - 0.9f) * gi)) << "m at " << i << ", g " << gi;
    ASSERT_EQ(v.data<bf16>()[i].bits, float_to_bf16_bits((1.0f - 0.999f) * gi * gi)) << "v at " << i << ", g " << gi;
  }
  EXPECT_EQ(m.data<bf16>()[7].bits, 0x7fff);
}

}  // namespace
}  // namespace rlvr::test
