// GEMMs (FP32, BF16, FP8 fprop/dgrad/wgrad) against a float64 reference on random inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/fp_codec.h"
#include "kernels/cpu/gemm_fp8_amx.h"
#include "kernels/gemm.h"

using namespace rlvr;

namespace {

Tensor randn(int64_t R, int64_t C, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::vector<float> v(size_t(R * C));
  for (size_t i = 0; i < v.size(); ++i) v[i] = nd(rng) * scale * float(1 + (i / 128) % 3);
  return Tensor::from_floats({R, C}, v);
}

// Reference Y = op(A)·op(B) in float64.
std::vector<double> ref_gemm(const std::vector<float>& a, int64_t ar, int64_t ac, bool ta,
                             const std::vector<float>& b, int64_t br, int64_t bc, bool tb) {
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  std::vector<double> y(size_t(M * N), 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += double(ta ? a[k * ac + m] : a[m * ac + k]) * double(tb ? b[n * bc + k] : b[k * bc + n]);
      y[m * N + n] = s;
    }
  return y;
}

// Max |y - ref| relative to the largest |ref|, the first bad index reported.
void expect_close(const std::vector<float>& y, const std::vector<double>& ref, double rel_tol, const char* what) {
  ASSERT_EQ(y.size(), ref.size());
  double scale = 1e-30;
  for (double r : ref) scale = std::max(scale, std::fabs(r));
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_LE(std::fabs(y[i] - ref[i]) / scale, rel_tol) << what << ": index " << i << " got " << y[i] << " want " << ref[i];
}

}  // namespace

struct GemmCase { int64_t M, N, K; bool ta, tb; };

class GemmF32 : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmF32, MatchesFloat64) {
  const GemmCase p = GetParam();
  const Tensor a = p.ta ? randn(p.K, p.M, 1) : randn(p.M, p.K, 1);
  const Tensor b = p.tb ? randn(p.N, p.K, 2) : randn(p.K, p.N, 2);
  Tensor y = Tensor::empty({p.M, p.N}, DType::F32);
  gemm(y, a, p.ta, b, p.tb);
  const auto ref = ref_gemm(a.to_floats(), a.dim(0), a.dim(1), p.ta, b.to_floats(), b.dim(0), b.dim(1), p.tb);
  expect_close(y.to_floats(), ref, 1e-5, "f32");  // FP32 accumulation over K <= 700 terms
  // accumulate adds onto what is there
  gemm(y, a, p.ta, b, p.tb, true);
  std::vector<double> twice(ref);
  for (double& r : twice) r *= 2;
  expect_close(y.to_floats(), twice, 1e-5, "f32 accumulate");
  // BF16 operands: products exact, so the reference is the float64 GEMM of the rounded values.
  const Tensor ab = a.to(DType::BF16), bb = b.to(DType::BF16);
  gemm(y, ab, p.ta, bb, p.tb);
  const auto refb = ref_gemm(ab.to_floats(), a.dim(0), a.dim(1), p.ta, bb.to_floats(), b.dim(0), b.dim(1), p.tb);
  expect_close(y.to_floats(), refb, 1e-5, "bf16");
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmF32,
                         ::testing::Values(GemmCase{1, 1, 1, false, true}, GemmCase{5, 7, 3, false, false},
                                           GemmCase{33, 17, 130, true, false}, GemmCase{64, 96, 256, false, true},
                                           GemmCase{7, 130, 700, true, true},
                                           // split into row pieces (M >= N) or column pieces
                                           GemmCase{1000, 300, 64, false, true}, GemmCase{600, 260, 96, true, false},
                                           GemmCase{64, 1030, 128, false, false}, GemmCase{300, 700, 64, true, true}));

class GemmFp8 : public ::testing::TestWithParam<GemmCase> {};

// The operands of a Linear layer's three FP8 GEMMs, Y = X·W^T with X [T,K], W [N,K], dY [T,N],
// quantized as the recipe does and dequantized for the float64 references.
struct LinearFp8Operands {
  Tensor x, w, dy;
  QuantizedTensor xq, wq, dyq, dyqt, xqt;
  std::vector<float> xd, wd, dyd, dytd, xtd;
  LinearFp8Operands(int64_t T, int64_t N, int64_t K, uint32_t seed)
      : x(randn(T, K, seed)), w(randn(N, K, seed + 1, 0.05f)), dy(randn(T, N, seed + 2, 0.01f)),
        xq(quantize_fp8(x, QuantLayout::Tile1x128)), wq(quantize_fp8(w, QuantLayout::Block128x128)),
        dyq(quantize_fp8(dy, QuantLayout::Tile1x128)), dyqt(quantize_fp8(dy, QuantLayout::Tile128x1)),
        xqt(quantize_fp8(x, QuantLayout::Tile128x1)), xd(dequantize_fp8(xq).to_floats()),
        wd(dequantize_fp8(wq).to_floats()), dyd(dequantize_fp8(dyq).to_floats()),
        dytd(dequantize_fp8(dyqt).to_floats()), xtd(dequantize_fp8(xqt).to_floats()) {}
};

TEST_P(GemmFp8, FpropDgradWgradMatchDequantizedReference) {
  const GemmCase p = GetParam();
  const int64_t T = p.M, N = p.N, K = p.K;
  const LinearFp8Operands o(T, N, K, 3);
  const Tensor &x = o.x, &w = o.w;
  const QuantizedTensor &xq = o.xq, &wq = o.wq, &dyq = o.dyq, &dyqt = o.dyqt, &xqt = o.xqt;
  const std::vector<float> &xd = o.xd, &wd = o.wd, &dyd = o.dyd, &dytd = o.dytd, &xtd = o.xtd;

  Tensor y = Tensor::empty({T, N}, DType::F32);
  gemm_fp8(y, xq, wq);
  expect_close(y.to_floats(), ref_gemm(xd, T, K, false, wd, N, K, true), 1e-5, "fprop");

  Tensor dx = Tensor::empty({T, K}, DType::F32);
  gemm_fp8(dx, dyq, transpose_blocks(wq));
  expect_close(dx.to_floats(), ref_gemm(dyd, T, N, false, wd, N, K, false), 1e-5, "dgrad");

  Tensor dw = Tensor::empty({N, K}, DType::F32);
  gemm_fp8(dw, dyqt, xqt);
  expect_close(dw.to_floats(), ref_gemm(dytd, T, N, true, xtd, T, K, false), 1e-5, "wgrad");

  // Against the unquantized product: FP8's 3 mantissa bits bound the error (about 2^-4 per
  // operand, averaging down over K); 5% of the largest output is a loose, meaningful bound.
  expect_close(y.to_floats(), ref_gemm(x.to_floats(), T, K, false, w.to_floats(), N, K, true), 0.05, "fprop vs exact");

  Tensor yb = Tensor::empty({T, N}, DType::BF16);
  gemm_fp8(yb, xq, wq);
  expect_close(yb.to_floats(), ref_gemm(xd, T, K, false, wd, N, K, true), 1.0 / 128, "fprop bf16 out");
}

// The AMX kernel itself (where the CPU has AMX): the same three GEMMs, and accumulation.
TEST_P(GemmFp8, AmxKernelMatchesDequantizedReference) {
  if (!cpu::amx_available()) GTEST_SKIP() << "AMX off (RLVR_CPU_AMX=1 turns it on) or absent on this CPU";
  const GemmCase p = GetParam();
  const int64_t T = p.M, N = p.N, K = p.K;
  const LinearFp8Operands o(T, N, K, 13);
  const QuantizedTensor &xq = o.xq, &wq = o.wq, &dyq = o.dyq, &dyqt = o.dyqt, &xqt = o.xqt;
  const std::vector<float> &xd = o.xd, &wd = o.wd, &dyd = o.dyd, &dytd = o.dytd, &xtd = o.xtd;
  std::vector<float> y(size_t(T * N)), dx(size_t(T * K)), dw(size_t(N * K), 0.0f);
  cpu::gemm_fp8_amx(y.data(), N, xq, wq, false);
  expect_close(y, ref_gemm(xd, T, K, false, wd, N, K, true), 1e-5, "fprop");
  cpu::gemm_fp8_amx(dx.data(), K, dyq, transpose_blocks(wq), false);
  expect_close(dx, ref_gemm(dyd, T, N, false, wd, N, K, false), 1e-5, "dgrad");
  cpu::gemm_fp8_amx(dw.data(), K, dyqt, xqt, true);
  cpu::gemm_fp8_amx(dw.data(), K, dyqt, xqt, true);  // accumulates: twice the product
  std::vector<double> twice = ref_gemm(dytd, T, N, true, xtd, T, K, false);
  for (double& v : twice) v *= 2;
  expect_close(dw, twice, 1e-5, "wgrad accumulated");
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmFp8,
                         ::testing::Values(GemmCase{1, 1, 1, false, false}, GemmCase{4, 8, 16, false, false},
                                           GemmCase{33, 130, 200, false, false}, GemmCase{130, 64, 384, false, false},
                                           GemmCase{256, 200, 640, false, false}));

TEST(Gemm, BadShapesNameTheOpAndShapes) {
  Tensor y = Tensor::empty({4, 5}, DType::F32);
  try {
    gemm(y, randn(4, 3, 1), false, randn(4, 5, 2), false);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("gemm: inner dimensions differ"), std::string::npos) << m;
    EXPECT_NE(m.find("f32[4, 3]"), std::string::npos) << m;
  }
  EXPECT_THROW(gemm(y, randn(4, 3, 1), false, randn(3, 5, 2).to(DType::BF16), false), Error);
  Tensor wrong = Tensor::empty({5, 4}, DType::F32);
  EXPECT_THROW(gemm(wrong, randn(4, 3, 1), false, randn(3, 5, 2), false), Error);
  const QuantizedTensor a = quantize_fp8(randn(4, 32, 1), QuantLayout::Tile1x128);
  const QuantizedTensor b = quantize_fp8(randn(8, 48, 1), QuantLayout::Block128x128);
  Tensor y8 = Tensor::empty({4, 8}, DType::F32);
  EXPECT_THROW(gemm_fp8(y8, a, b), Error);
}

// Which OpenBLAS core type rlvr asks for: only in place of a generic (SSE-era) choice, the
// fastest the CPU's features allow.
TEST(BlasKernels, CoreTypeReplacesOnlyGenericChoices) {
  struct Row { const char* chosen; bool avx512, avx2; const char* want; };
  const Row rows[] = {
      {"Prescott", true, true, "SkylakeX"}, {"Prescott", false, true, "Haswell"}, {"Prescott", false, false, ""},
      {"Nehalem", true, true, "SkylakeX"},  {"Core2", false, true, "Haswell"},    {"unknown", true, true, "SkylakeX"},
      {"SkylakeX", true, true, ""},         {"Haswell", true, true, ""},          {"Zen", true, true, ""},
      {"Cooperlake", true, true, ""},       {"Sapphirerapids", true, true, ""},
  };
  for (const Row& r : rows)
    EXPECT_EQ(rlvr::blas_coretype_for(r.chosen, r.avx512, r.avx2), r.want) << r.chosen << " " << r.avx512 << r.avx2;
}
