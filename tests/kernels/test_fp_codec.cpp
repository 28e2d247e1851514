// BF16 / E4M3 / E5M2 codecs: exhaustive round-trips and bit-identity with CUDA's host conversions.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "kernels/fp_codec.h"

#ifdef RLVR_HAVE_CUDA_FP8_HEADERS
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#endif

using namespace rlvr;

TEST(FpCodec, AllE4M3CodesRoundTrip) {
  for (int v = 0; v < 256; ++v) {
    const float f = e4m3_bits_to_float(uint8_t(v));
    if ((v & 0x7f) == 0x7f) {
      EXPECT_TRUE(std::isnan(f)) << v;
      EXPECT_EQ(float_to_e4m3_bits(f), 0x7f) << v;  // canonical NaN
      continue;
    }
    EXPECT_EQ(float_to_e4m3_bits(f), v) << "code " << v << " decodes to " << f;
  }
}

TEST(FpCodec, AllE5M2CodesRoundTrip) {
  for (int v = 0; v < 256; ++v) {
    const float f = e5m2_bits_to_float(uint8_t(v));
    const int a = v & 0x7f;
    if (a > 0x7c) {
      EXPECT_TRUE(std::isnan(f)) << v;
      continue;
    }
    if (a == 0x7c) {  // infinity saturates to the largest finite value
      EXPECT_TRUE(std::isinf(f));
      EXPECT_EQ(float_to_e5m2_bits(f), (v & 0x80) | 0x7b);
      continue;
    }
    EXPECT_EQ(float_to_e5m2_bits(f), v) << "code " << v << " decodes to " << f;
  }
}

TEST(FpCodec, KnownValues) {
  struct Case { float in; uint8_t e4m3; uint8_t e5m2; uint16_t bf16; };
  const Case cases[] = {
      {0.0f, 0x00, 0x00, 0x0000},       {-0.0f, 0x80, 0x80, 0x8000},
      {1.0f, 0x38, 0x3c, 0x3f80},       {448.0f, 0x7e, 0x5f, 0x43e0},
      {464.0f, 0x7e, 0x5f, 0x43e8},     {1e30f, 0x7e, 0x7b, 0x714a},
      {-1e30f, 0xfe, 0xfb, 0xf14a},     {0x1p-9f, 0x01, 0x18, 0x3b00},
      {0x1p-10f, 0x00, 0x14, 0x3a80},   // E4M3: a tie between 0 and 2^-9 rounds to even 0
      {0x1.8p-10f, 0x01, 0x16, 0x3ac0}, {57344.0f, 0x7e, 0x7b, 0x4760},
      {1.0625f, 0x38, 0x3c, 0x3f88},    // E4M3: tie between 1 and 1.125 rounds to even 1
      {1.1875f, 0x3a, 0x3d, 0x3f98},    // E4M3: tie between 1.125 and 1.25 rounds to even 1.25
  };
  for (const Case& c : cases) {
    EXPECT_EQ(float_to_e4m3_bits(c.in), c.e4m3) << c.in;
    EXPECT_EQ(float_to_e5m2_bits(c.in), c.e5m2) << c.in;
    EXPECT_EQ(float_to_bf16_bits(c.in), c.bf16) << c.in;
  }
  EXPECT_EQ(float_to_e4m3_bits(NAN), 0x7f);
  EXPECT_EQ(float_to_e4m3_bits(INFINITY), 0x7e);
  EXPECT_EQ(float_to_bf16_bits(NAN), 0x7fff);
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(NAN))));
}

TEST(FpCodec, Bf16RoundTripsEveryCode) {
  for (uint32_t v = 0; v < 65536; ++v) {
    const float f = bf16_bits_to_float(uint16_t(v));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_bf16_bits(f), v);
  }
}

#ifdef RLVR_HAVE_CUDA_FP8_HEADERS
namespace {

// Random floats over every region that matters: raw bit patterns (NaN, inf, subnormals,
// huge values), values near FP8 ranges, and exact ties between neighbouring FP8/BF16 codes.
float interesting_float(std::mt19937& rng, int kind) {
  switch (kind % 4) {
    case 0: return std::bit_cast<float>(uint32_t(rng()));
    case 1: return std::ldexp(float(rng() % 1000000) / 1e6f, int(rng() % 48) - 30) * ((rng() & 1) ? 1.f : -1.f);
    case 2: {  // midpoint between two adjacent E4M3 values (a tie) or E5M2 ones
      const uint8_t c = uint8_t(rng() % 0x7e);
      const float lo = e4m3_bits_to_float(c), hi = e4m3_bits_to_float(uint8_t(c + 1));
      return (lo + hi) * 0.5f * ((rng() & 1) ? 1.f : -1.f);
    }
    default: {
      const uint8_t c = uint8_t(rng() % 0x7b);
      const float lo = e5m2_bits_to_float(c), hi = e5m2_bits_to_float(uint8_t(c + 1));
      return (lo + hi) * 0.5f;
    }
  }
}

}  // namespace

TEST(FpCodec, BitIdenticalToCudaHostConversions) {
  std::mt19937 rng(20261125);
  long mismatches = 0;
  for (int i = 0; i < 4'000'000; ++i) {
    const float f = interesting_float(rng, i);
    const uint8_t c4 = uint8_t(__nv_cvt_float_to_fp8(f, __NV_SATFINITE, __NV_E4M3));
    const uint8_t c5 = uint8_t(__nv_cvt_float_to_fp8(f, __NV_SATFINITE, __NV_E5M2));
    const __nv_bfloat16 b = __float2bfloat16_rn(f);
    uint16_t bb;
    std::memcpy(&bb, &b, 2);
    if (c4 != float_to_e4m3_bits(f) || c5 != float_to_e5m2_bits(f) || bb != float_to_bf16_bits(f)) {
      if (++mismatches < 5)
        ADD_FAILURE() << std::hexfloat << f << ": cuda e4m3 " << int(c4) << " e5m2 " << int(c5)
                      << " bf16 " << bb << "; ours " << int(float_to_e4m3_bits(f)) << " "
                      << int(float_to_e5m2_bits(f)) << " " << float_to_bf16_bits(f);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(FpCodec, DecodeMatchesCuda) {
  for (int v = 0; v < 256; ++v) {
    for (auto kind : {__NV_E4M3, __NV_E5M2}) {
      const __half_raw h = __nv_cvt_fp8_to_halfraw(__nv_fp8_storage_t(v), kind);
      const float cuda = __half2float(__half(h));
      const float ours = kind == __NV_E4M3 ? e4m3_bits_to_float(uint8_t(v)) : e5m2_bits_to_float(uint8_t(v));
      if (std::isnan(cuda)) {
        EXPECT_TRUE(std::isnan(ours)) << v;
      }
      else EXPECT_EQ(cuda, ours) << "code " << v;
    }
  }
}
#else
TEST(FpCodec, BitIdenticalToCudaHostConversions) { GTEST_SKIP() << "cuda_fp8.h not found"; }
#endif

TEST(FpCodec, FastE4M3MatchesExact) {
  std::mt19937 rng(7);
  for (int i = 0; i < 4'000'000; ++i) {
    float f = (i & 1) ? std::bit_cast<float>(uint32_t(rng()))
                      : std::ldexp(float(rng() % 1000000) / 1e6f, int(rng() % 30) - 20) * ((rng() & 1) ? 1.f : -1.f);
    ASSERT_EQ(float_to_e4m3_bits_fast(f), float_to_e4m3_bits(f)) << std::hexfloat << f;
  }
  for (int v = 0; v < 256; ++v) {  // every code and every midpoint between neighbours
    const float f = e4m3_bits_to_float(uint8_t(v));
    ASSERT_EQ(float_to_e4m3_bits_fast(f), float_to_e4m3_bits(f)) << v;
    const float g = e4m3_bits_to_float(uint8_t(v + 1));
    if (!std::isnan(f) && !std::isnan(g) && (v & 0x7f) < 0x7e) {
      ASSERT_EQ(float_to_e4m3_bits_fast((f + g) / 2), float_to_e4m3_bits((f + g) / 2)) << v;
    }
  }
}

TEST(FpCodec, FastE4M3DecodeMatchesExactForEveryCode) {
  for (int v = 0; v < 256; ++v) {
    const uint32_t fast = std::bit_cast<uint32_t>(e4m3_bits_to_float_fast(uint8_t(v)));
    const uint32_t exact = std::bit_cast<uint32_t>(e4m3_bits_to_float(uint8_t(v)));
    EXPECT_EQ(fast, exact) << "code " << v;
  }
}
