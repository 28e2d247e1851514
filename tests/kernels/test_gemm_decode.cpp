// Decode GEMMs (kernels/gemm_decode.h) against the batch GEMMs on the same rounded operands,
// for every instruction set this CPU has, plus row independence (batch invariance).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "kernels/gemm.h"
#include "kernels/gemm_decode.h"

using namespace rlvr;

namespace {

Tensor randn(int64_t R, int64_t C, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::vector<float> v(size_t(R * C));
  // vary magnitudes across 128-blocks so block scales differ; include exact zeros and tiny values
  for (size_t i = 0; i < v.size(); ++i) v[i] = nd(rng) * float(1 + (i / 128) % 5) * (i % 97 == 0 ? 1e-4f : 1.0f);
  if (!v.empty()) v[0] = 0.0f;
  return Tensor::from_floats({R, C}, v);
}

// Max |y - ref| over each output, relative to sum_k |a_k b_k| of that output (the scale of FP32
// rounding error for a dot product); the first bad index is reported.
void expect_fp32_close(const Tensor& y, const Tensor& ref, const Tensor& a, const Tensor& b, const char* what) {
  const int64_t M = a.dim(0), K = a.dim(1), N = b.dim(0);
  const auto yv = y.to_floats(), rv = ref.to_floats(), av = a.to_floats(), bv = b.to_floats();
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double absdot = 1e-30;
      for (int64_t k = 0; k < K; ++k) absdot += std::fabs(double(av[m * K + k]) * bv[n * K + k]);
      const size_t i = size_t(m * N + n);
      // FP32 accumulation over K terms in two different orders: a few ulp per term at worst
      ASSERT_LE(std::fabs(double(yv[i]) - rv[i]) / absdot, 4e-6 * std::sqrt(double(K)) + 1e-6)
          << what << ": (" << m << ", " << n << ") got " << yv[i] << " want " << rv[i];
    }
}

struct DecodeCase { int64_t M, N, K; };

std::vector<CpuIsa> isas() {
  std::vector<CpuIsa> out;
  for (CpuIsa i : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512})
    if (cpu_isa_supported(i)) out.push_back(i);
  return out;
}

}  // namespace

class GemmDecode : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(GemmDecode, Fp8MatchesGemmFp8) {
  const DecodeCase c = GetParam();
  const Tensor x = randn(c.M, c.K, 11), w = randn(c.N, c.K, 12);
  const QuantizedTensor wq = quantize_fp8(w, QuantLayout::Block128x128);
  for (bool pow2 : {false, true}) {
    const QuantizedTensor xq = quantize_fp8(x, QuantLayout::Tile1x128, {pow2});
    Tensor ref = Tensor::empty({c.M, c.N}, DType::F32);
    gemm_fp8(ref, xq, wq);
    for (CpuIsa isa : isas()) {
      Tensor y = Tensor::empty({c.M, c.N}, DType::F32);
      gemm_fp8_decode(y, x, wq, pow2, isa);
      SCOPED_TRACE(cpu_isa_name(isa));
      expect_fp32_close(y, ref, dequantize_fp8(xq), dequantize_fp8(wq), "fp8");
    }
  }
}

TEST_P(GemmDecode, Bf16AndF32MatchGemm) {
  const DecodeCase c = GetParam();
  const Tensor x = randn(c.M, c.K, 21), w = randn(c.N, c.K, 22);
  const Tensor xb = x.to(DType::BF16), wb = w.to(DType::BF16);
  Tensor ref_b = Tensor::empty({c.M, c.N}, DType::F32), ref_f = Tensor::empty({c.M, c.N}, DType::F32);
  gemm(ref_b, xb, false, wb, true);
  gemm(ref_f, x, false, w, true);
  for (CpuIsa isa : isas()) {
    SCOPED_TRACE(cpu_isa_name(isa));
    Tensor yb = Tensor::empty({c.M, c.N}, DType::F32), yf = Tensor::empty({c.M, c.N}, DType::F32);
    gemm_bf16_decode(yb, x, wb, isa);
    gemm_f32_decode(yf, x, w, isa);
    expect_fp32_close(yb, ref_b, xb.to(DType::F32), wb.to(DType::F32), "bf16");
    expect_fp32_close(yf, ref_f, x, w, "f32");
  }
}

// A row's output must not depend on which other rows share the call (bitwise).
TEST_P(GemmDecode, RowsAreBatchInvariant) {
  const DecodeCase c = GetParam();
  const Tensor x = randn(c.M, c.K, 31), w = randn(c.N, c.K, 32);
  const QuantizedTensor wq = quantize_fp8(w, QuantLayout::Block128x128);
  Tensor all = Tensor::empty({c.M, c.N}, DType::F32);
  gemm_fp8_decode(all, x, wq);
  for (int64_t m = 0; m < c.M; ++m) {
    Tensor one = Tensor::empty({1, c.N}, DType::F32);
    gemm_fp8_decode(one, x.slice_rows(m, m + 1).clone(), wq);
    ASSERT_EQ(0, std::memcmp(one.raw(), all.slice_rows(m, m + 1).raw(), size_t(c.N) * sizeof(float))) << "row " << m;
  }
}

// The same weight row gives the same bits wherever it sits: inside a tile of several weight rows
// (whose lane sums are taken together) or in a single-row tail, against one activation row (E4M3
// weights read as stored) or many (widened once per call), on every instruction set.
TEST(GemmDecodeTiles, EqualWeightRowsGiveEqualOutputs) {
  const int64_t K = 300, N = 7;
  const Tensor x = randn(9, K, 41), base = randn(1, K, 42);
  std::vector<float> wv;
  for (int64_t n = 0; n < N; ++n) {
    const std::vector<float> row = base.to_floats();
    wv.insert(wv.end(), row.begin(), row.end());
  }
  const Tensor w = Tensor::from_floats({N, K}, wv);
  const QuantizedTensor wq = quantize_fp8(w, QuantLayout::Block128x128);
  for (CpuIsa isa : isas())
    for (int64_t M : {int64_t(1), int64_t(9)}) {
      SCOPED_TRACE(std::string(cpu_isa_name(isa)) + " M=" + std::to_string(M));
      const Tensor xm = x.slice_rows(0, M).clone();
      Tensor y8 = Tensor::empty({M, N}, DType::F32), yb = Tensor::empty({M, N}, DType::F32),
             yf = Tensor::empty({M, N}, DType::F32);
      gemm_fp8_decode(y8, xm, wq, false, isa);
      gemm_bf16_decode(yb, xm, w.to(DType::BF16), isa);
      gemm_f32_decode(yf, xm, w, isa);
      for (const Tensor* y : {&y8, &yb, &yf}) {
        const std::vector<float> v = y->to_floats();
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 1; n < N; ++n)
            ASSERT_EQ(0, std::memcmp(&v[size_t(m * N)], &v[size_t(m * N + n)], sizeof(float)))
                << (y == &y8 ? "fp8" : y == &yb ? "bf16" : "f32") << " row " << m << " column " << n << ": "
                << v[size_t(m * N)] << " vs " << v[size_t(m * N + n)];
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmDecode,
                         ::testing::Values(DecodeCase{1, 1, 1}, DecodeCase{1, 128, 128}, DecodeCase{3, 200, 300},
                                           DecodeCase{4, 256, 512}, DecodeCase{7, 130, 129},
                                           DecodeCase{9, 64, 40}, DecodeCase{33, 96, 256}));

// Products over rows of one x run together (x quantized once, one round of pieces) give each
// output the bits of its own call on its rows: whole x (q, k, v) and row ranges (experts).
TEST(GemmDecodeProducts, MatchOneCallEach) {
  const QuantizedTensor wa = quantize_fp8(randn(256, 256, 52), QuantLayout::Block128x128);
  const QuantizedTensor wb = quantize_fp8(randn(130, 256, 53), QuantLayout::Block128x128);
  const QuantizedTensor wc = quantize_fp8(randn(40, 256, 54), QuantLayout::Block128x128);
  for (int64_t M : {int64_t(1), int64_t(5), int64_t(64)}) {
    const Tensor x = randn(M, 256, 51);
    const std::vector<std::pair<int64_t, int64_t>> rows{{0, M}, {0, M / 2}, {M / 2, M}, {M / 3, M / 3}};
    for (bool pow2 : {false, true}) {
      std::vector<Tensor> ys;
      std::vector<DecodeProduct> products;
      ys.reserve(rows.size() * 3);
      for (const auto& [r0, r1] : rows)
        for (const QuantizedTensor* w : {&wa, &wb, &wc}) {
          ys.push_back(Tensor::empty({r1 - r0, w->rows}, DType::F32));
          products.push_back({&ys.back(), w, r0, r1});
        }
      gemm_fp8_decode_products(products, x, pow2);
      for (const DecodeProduct& p : products) {
        Tensor one = Tensor::empty(p.y->shape(), DType::F32);
        gemm_fp8_decode(one, x.slice_rows(p.row0, p.row1).clone(), *p.w, pow2);
        EXPECT_EQ(0, std::memcmp(one.raw(), p.y->raw(), one.nbytes()))
            << "M " << M << " rows " << p.row0 << ".." << p.row1 << " N " << p.w->rows;
      }
    }
  }
}

TEST(GemmDecodeErrors, BadArgumentsNameTheProblem) {
  const Tensor x = randn(2, 64, 1), w = randn(32, 64, 2);
  Tensor y = Tensor::empty({2, 32}, DType::F32), y_bad = Tensor::empty({2, 31}, DType::F32);
  EXPECT_THROW(gemm_f32_decode(y_bad, x, w), Error);
  EXPECT_THROW(gemm_bf16_decode(y, x, w), Error);  // w must be bf16
  EXPECT_THROW(gemm_fp8_decode(y, x, quantize_fp8(w, QuantLayout::Tile1x128)), Error);
  try {
    gemm_f32_decode(y, randn(2, 63, 1), w);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("K = 63"), std::string::npos) << e.what();
  }
}
