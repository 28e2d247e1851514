// Exact conversions between float and BF16 / FP8 E4M3 / FP8 E5M2 bit patterns.
// Round to nearest even; FP8 saturates to its largest finite value (E4M3 has no infinity, and an
// infinite input saturates too, as CUDA's __NV_SATFINITE does); NaN stays NaN. These match the
// host conversions of cuda_bf16.h / cuda_fp8.h bit for bit (tests/kernels/test_fp_codec.cpp).
#pragma once

#include <bit>
#include <cstdint>

#include "kernels/dtype.h"

namespace rlvr {

constexpr float kE4M3Max = 448.0f;
constexpr float kE5M2Max = 57344.0f;

inline uint16_t float_to_bf16_bits(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fff;  // canonical NaN, as CUDA returns
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16_bits_to_float(uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); }

namespace detail {

// Float -> 8-bit float with kExp exponent bits and kMan mantissa bits, saturating to max_code.
template <int kExp, int kMan>
inline uint8_t float_to_fp8(float f, uint8_t max_code, uint8_t nan_code) {
  constexpr int kBias = (1 << (kExp - 1)) - 1;
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint8_t sign = static_cast<uint8_t>((u >> 24) & 0x80u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return nan_code;  // canonical NaN without sign, as CUDA returns
  if (a == 0x7f800000u) return sign | max_code;
  const int fe = int(a >> 23) - 127;          // unbiased float exponent
  if (fe < -126 + 0) {                          // float subnormal: far below any FP8 value
    return sign;
  }
  const uint32_t m24 = (a & 0x7fffffu) | 0x800000u;
  uint32_t code;
  if (fe < 1 - kBias) {
    // Target subnormal: count units of 2^(1 - bias - man).
    const int shift = 23 + (1 - kBias - kMan) - fe;
    if (shift > 25) return sign;
    const uint32_t q = m24 >> shift;
    const uint32_t rem = m24 & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1);
    code = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
  } else {
    constexpr int kDrop = 23 - kMan;
    const uint32_t biased = uint32_t(fe + kBias);
    const uint32_t full = (biased << 23) | (a & 0x7fffffu);  // exponent and mantissa, packed
    const uint32_t q = full >> kDrop;
    const uint32_t rem = full & ((1u << kDrop) - 1u);
    const uint32_t half = 1u << (kDrop - 1);
    code = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
  }
  if (code > max_code) code = max_code;
  return sign | static_cast<uint8_t>(code);
}

template <int kExp, int kMan>
constexpr float fp8_to_float(uint8_t v) {
  constexpr int kBias = (1 << (kExp - 1)) - 1;
  const uint32_t sign = uint32_t(v & 0x80u) << 24;
  const int e = (v >> kMan) & ((1 << kExp) - 1);
  const uint32_t m = v & ((1u << kMan) - 1u);
  float mag;
  if (e == 0) {
    mag = float(m) * std::bit_cast<float>(uint32_t(127 + 1 - kBias - kMan) << 23);
  } else {
    mag = std::bit_cast<float>((uint32_t(e - kBias + 127) << 23) | (m << (23 - kMan)));
  }
  return std::bit_cast<float>(std::bit_cast<uint32_t>(mag) | sign);
}

}  // namespace detail

inline uint8_t float_to_e4m3_bits(float f) { return detail::float_to_fp8<4, 3>(f, 0x7e, 0x7f); }
inline uint8_t float_to_e5m2_bits(float f) { return detail::float_to_fp8<5, 2>(f, 0x7b, 0x7f); }

inline float e4m3_bits_to_float(uint8_t v) {
  if ((v & 0x7f) == 0x7f) return std::bit_cast<float>(0x7fffffffu | (uint32_t(v & 0x80) << 24));
  return detail::fp8_to_float<4, 3>(v);
}
inline float e5m2_bits_to_float(uint8_t v) {
  const uint8_t a = v & 0x7f;
  const uint32_t sign = uint32_t(v & 0x80) << 24;
  if (a > 0x7c) return std::bit_cast<float>(0x7fffffffu | sign);
  if (a == 0x7c) return std::bit_cast<float>(0x7f800000u | sign);
  return detail::fp8_to_float<5, 2>(v);
}

// Branch-free float -> E4M3 (same result as float_to_e4m3_bits, NaN -> 0x7f), written so that
// the compiler vectorizes loops over it: clamp to 448, then round with float arithmetic.
inline uint8_t float_to_e4m3_bits_fast(float f) {
  constexpr uint32_t kMaxBits = 0x43e00000u;       // 448.0f
  constexpr uint32_t kMinNormalBits = 0x3c800000u;  // 2^-6
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (u >> 24) & 0x80u;
  const uint32_t abs_bits = u & 0x7fffffffu;
  const uint32_t nan_mask = abs_bits > 0x7f800000u ? 0xffu : 0u;
  const uint32_t clamped = abs_bits < kMaxBits ? abs_bits : kMaxBits;  // integer order = float order
  // Subnormal range (< 2^-6): adding 2^14, whose ulp is 2^-9, rounds to a multiple of 2^-9 and
  // leaves that multiple in the low mantissa bits.
  const uint32_t sub_code = std::bit_cast<uint32_t>(std::bit_cast<float>(clamped) + 0x1p14f) - 0x46800000u;
  // Normal range: round the mantissa to 3 bits (nearest even) on the bit pattern.
  const uint32_t rounded = clamped + 0x7ffffu + ((clamped >> 20) & 1u);
  const uint32_t norm_code = (rounded >> 20) - ((127u - 7u) << 3);
  const uint32_t code = (clamped < kMinNormalBits ? sub_code : norm_code) | sign;
  return static_cast<uint8_t>(code | nan_mask) & static_cast<uint8_t>(nan_mask ? 0x7fu : 0xffu);
}

// Branch-free E4M3 -> float (same result as e4m3_bits_to_float), which loops vectorize: the
// normal and subnormal forms are both computed, one is kept.
inline float e4m3_bits_to_float_fast(uint8_t v) {
  const uint32_t sign = uint32_t(v & 0x80u) << 24;
  const uint32_t e = (v >> 3) & 0xfu, m = v & 0x7u;
  const float normal = std::bit_cast<float>(((e + 120u) << 23) | (m << 20));
  const float subnormal = float(m) * 0x1p-9f;
  const uint32_t mag = std::bit_cast<uint32_t>(e == 0 ? subnormal : normal);
  return std::bit_cast<float>((v & 0x7fu) == 0x7fu ? (0x7fffffffu | sign) : (mag | sign));
}

inline bf16 to_bf16(float f) { return bf16{float_to_bf16_bits(f)}; }
inline float to_float(bf16 v) { return bf16_bits_to_float(v.bits); }
inline fp8e4m3 to_e4m3(float f) { return fp8e4m3{float_to_e4m3_bits(f)}; }
inline float to_float(fp8e4m3 v) { return e4m3_bits_to_float(v.bits); }
inline fp8e5m2 to_e5m2(float f) { return fp8e5m2{float_to_e5m2_bits(f)}; }
inline float to_float(fp8e5m2 v) { return e5m2_bits_to_float(v.bits); }

// Rounds a float to the nearest BF16 value and back: the "bf16" precision mode's operand rounding.
inline float round_bf16(float f) { return bf16_bits_to_float(float_to_bf16_bits(f)); }

}  // namespace rlvr
