// Fine-grained FP8 quantization: scales, bytes and layouts checked against a float64 reference.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "kernels/fp_codec.h"
#include "kernels/quantize.h"

using namespace rlvr;

namespace {

// Normal(0,1) values times 2^e, with e constant over each 128x128 block and varying between
// blocks, so a scale applied to the wrong group gives errors of order 1 (never zeros).
Tensor random_matrix(int64_t R, int64_t C, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::vector<float> v(size_t(R * C));
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) {
      const int e = int(((r / 128) * 7 + (c / 128) * 3 + seed) % 9) - 4;
      v[size_t(r * C + c)] = std::ldexp(nd(rng), e);
    }
  return Tensor::from_floats({R, C}, v);
}

struct Group { int64_t r0, r1, c0, c1; };

// The group of source element (r, c) for a layout.
Group group_of(QuantLayout l, int64_t r, int64_t c, int64_t R, int64_t C) {
  auto span = [](int64_t i, int64_t n, int64_t len) {
    const int64_t b = i / len * len;
    return std::pair<int64_t, int64_t>{b, std::min(n, b + len)};
  };
  auto [rr0, rr1] = span(r, R, l == QuantLayout::Tile1x128 ? 1 : 128);
  auto [cc0, cc1] = span(c, C, l == QuantLayout::Tile128x1 ? 1 : 128);
  if (l == QuantLayout::Tile1x128) rr0 = r, rr1 = r + 1;
  if (l == QuantLayout::Tile128x1) cc0 = c, cc1 = c + 1;
  return {rr0, rr1, cc0, cc1};
}

}  // namespace

struct QuantCase { int64_t rows, cols; QuantLayout layout; bool pow2; };

class QuantizeTest : public ::testing::TestWithParam<QuantCase> {};

TEST_P(QuantizeTest, ScalesAndBytesMatchReference) {
  const QuantCase p = GetParam();
  const Tensor x = random_matrix(p.rows, p.cols, uint32_t(p.rows * 31 + p.cols));
  const QuantizedTensor q = quantize_fp8(x, p.layout, {p.pow2});
  ASSERT_EQ(q.stored_rows() * q.stored_k(), p.rows * p.cols);
  const float* xs = x.data<float>();
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(q.data.data<fp8e4m3>());
  for (int64_t r = 0; r < p.rows; ++r)
    for (int64_t c = 0; c < p.cols; ++c) {
      const Group g = group_of(p.layout, r, c, p.rows, p.cols);
      double amax = 0;
      for (int64_t i = g.r0; i < g.r1; ++i)
        for (int64_t j = g.c0; j < g.c1; ++j) amax = std::max(amax, std::fabs(double(xs[i * p.cols + j])));
      double want_scale = float(amax) / 448.0f;
      if (p.pow2) want_scale = std::exp2(std::ceil(std::log2(want_scale)));
      const bool t = p.layout == QuantLayout::Tile128x1;
      const int64_t si = t ? c : r, sk = t ? r : c;
      const float scale = q.stored_scale(si, sk);
      ASSERT_EQ(scale, float(want_scale)) << "scale of (" << r << ", " << c << ")";
      const uint8_t want = float_to_e4m3_bits(xs[r * p.cols + c] / scale);
      ASSERT_EQ(bytes[si * q.stored_k() + sk], want) << "byte of (" << r << ", " << c << ")";
    }
  // Dequantized values are within E4M3's half-ulp of the source (3 mantissa bits: 2^-4
  // relative for normals; the subnormal spacing 2^-9 of the scale below 2^-6 of it).
  const Tensor d = dequantize_fp8(q);
  const float* ds = d.data<float>();
  for (int64_t i = 0; i < p.rows * p.cols; ++i) {
    const int64_t r = i / p.cols, c = i % p.cols;
    const float scale = p.layout == QuantLayout::Tile128x1 ? q.stored_scale(c, r) : q.stored_scale(r, c);
    const double tol = std::max(std::fabs(double(xs[i])) * 0x1p-4, double(scale) * 0x1p-10);
    ASSERT_NEAR(ds[i], xs[i], tol) << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, QuantizeTest,
    ::testing::Values(QuantCase{1, 1, QuantLayout::Tile1x128, false}, QuantCase{3, 200, QuantLayout::Tile1x128, false},
                      QuantCase{130, 257, QuantLayout::Tile1x128, true}, QuantCase{256, 384, QuantLayout::Tile1x128, false},
                      QuantCase{1, 5, QuantLayout::Tile128x1, false}, QuantCase{200, 3, QuantLayout::Tile128x1, false},
                      QuantCase{257, 130, QuantLayout::Tile128x1, true}, QuantCase{5, 7, QuantLayout::Block128x128, false},
                      QuantCase{130, 257, QuantLayout::Block128x128, false},
                      QuantCase{384, 640, QuantLayout::Block128x128, true}));

TEST(Quantize, AllZeroTilesGetAFiniteScale) {
  for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128}) {
    const QuantizedTensor q = quantize_fp8(Tensor::zeros({130, 140}, DType::F32), l);
    for (float s : q.scales.to_floats()) EXPECT_EQ(s, 1.0f) << quant_layout_name(l);
    for (float v : dequantize_fp8(q).to_floats()) EXPECT_EQ(v, 0.0f);
  }
}

TEST(Quantize, LayoutsMatchCublasLt) {
  const QuantizedTensor a = quantize_fp8(random_matrix(12, 300, 1), QuantLayout::Tile1x128);
  EXPECT_EQ(a.scales.shape(), (Shape{3, 12}));  // [Kb][R]: row index fastest
  const QuantizedTensor b = quantize_fp8(random_matrix(300, 640, 2), QuantLayout::Block128x128);
  EXPECT_EQ(b.scales.shape(), (Shape{3, 8}));   // Kb = 5 padded to 8
  const QuantizedTensor w = quantize_fp8(random_matrix(300, 12, 3), QuantLayout::Tile128x1);
  EXPECT_EQ(w.data.shape(), (Shape{12, 300}));  // stored transposed (token-major)
  EXPECT_EQ(w.scales.shape(), (Shape{3, 12}));
}

TEST(Quantize, TransposeBlocksIsExact) {
  const QuantizedTensor w = quantize_fp8(random_matrix(200, 330, 4), QuantLayout::Block128x128);
  const QuantizedTensor wt = transpose_blocks(w);
  const std::vector<float> d = dequantize_fp8(w).to_floats(), dt = dequantize_fp8(wt).to_floats();
  ASSERT_EQ(wt.rows, 330);
  for (int64_t r = 0; r < 200; ++r)
    for (int64_t c = 0; c < 330; ++c) ASSERT_EQ(dt[c * 200 + r], d[r * 330 + c]);
}

// What the CPU's FP8 GEMMs multiply, made without the bytes: dequantize(quantize(x)) bit for bit
// in x's layout, for every layout and both scale rules, on shapes with partial tiles and both
// sizes of the split into pieces, with values spanning E4M3's subnormals, saturation, signed
// zeros, infinities and NaN, from F32 and BF16 inputs.
TEST(Quantize, RoundTripEqualsDequantizingTheQuantization) {
  for (const auto& [R, C] : {std::pair<int64_t, int64_t>{3, 70}, {200, 330}, {2048, 300}}) {
    std::vector<float> v = random_matrix(R, C, uint32_t(R + C)).to_floats();
    std::mt19937 rng{uint32_t(R)};
    for (size_t i = 0; i < v.size(); i += 5) v[i] *= std::ldexp(1.0f, int(rng() % 40) - 30);  // E4M3 subnormals
    for (size_t i = 3; i < v.size(); i += 97) v[i] = (i / 97) % 4 == 0 ? -0.0f : (i / 97) % 4 == 1 ? 0.0f : -v[i];
    for (size_t i = 11; i < v.size(); i += 1013) v[i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
    const Tensor x = Tensor::from_floats({R, C}, v);
    for (const Tensor& in : {x, x.to(DType::BF16)})
      for (QuantLayout layout : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128})
        for (bool pow2 : {false, true}) {
          SCOPED_TRACE(::testing::Message() << quant_layout_name(layout) << " " << R << "x" << C << " pow2 " << pow2
                                            << " " << dtype_name(in.dtype()));
          const std::vector<float> want = dequantize_fp8(quantize_fp8(in, layout, {pow2})).to_floats();
          const Tensor got = fp8_round_trip(in, layout, pow2);
          ASSERT_EQ(got.shape(), (Shape{R, C}));
          const std::vector<float> g = got.to_floats();
          for (size_t i = 0; i < g.size(); ++i)
            ASSERT_EQ(std::bit_cast<uint32_t>(g[i]), std::bit_cast<uint32_t>(want[i])) << "element " << i;
        }
  }
}

TEST(Quantize, Pow2ScalesArePowersOfTwo) {
  const QuantizedTensor q = quantize_fp8(random_matrix(64, 256, 5), QuantLayout::Tile1x128, {true});
  for (float s : q.scales.to_floats()) {
    int e;
    EXPECT_EQ(std::frexp(s, &e), 0.5f) << s;
  }
}

TEST(Quantize, BadInputNamesTheOp) {
  try {
    quantize_fp8(Tensor::zeros({2, 3, 4}, DType::F32), QuantLayout::Tile1x128);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("quantize_fp8: x is f32[2, 3, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(quantize_fp8(Tensor::zeros({2, 3}, DType::I32), QuantLayout::Tile1x128), Error);
}
