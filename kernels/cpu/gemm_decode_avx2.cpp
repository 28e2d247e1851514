// The AVX2 decode GEMM: eight lanes, E4M3 and BF16 weights widened in registers.
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include <bit>

#include "kernels/cpu/gemm_decode_impl.h"

namespace rlvr::cpu {
namespace {

struct V256 {
  using Reg = __m256;
  static constexpr int64_t kWidth = 8;
  static constexpr int kWeightRows = 1;  // weight rows per tile (the registers allow one)
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float f) { return _mm256_set1_ps(f); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Reg a) { _mm256_storeu_ps(p, a); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(Reg a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  template <int n>
  static void sums(const float* totals, float* out) {
    for (int i = 0; i < n; ++i) out[i] = sum(load(totals + i * kWidth));
  }
  static Reg load_weights(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load_weights(const uint16_t* p) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
  }
  static Reg load_weights(const uint8_t* p) {
    // sign-extend, shift the 7 magnitude bits to 26..20, keep the sign bit and those bits
    const __m256i w = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_and_si256(_mm256_slli_epi32(w, 20), _mm256_set1_epi32(int(0x87F00000u))));
  }
  static float weight_scalar(float w) { return w; }
  static float weight_scalar(uint16_t w) { return std::bit_cast<float>(uint32_t(w) << 16); }
  static float weight_scalar(uint8_t w) {
    return std::bit_cast<float>((uint32_t(w & 0x80u) << 24) | (uint32_t(w & 0x7fu) << 20));
  }
};

}  // namespace

void decode_gemm_avx2(const DecodeGemmArgs* args, int64_t count) { decode_gemm_run<V256>(args, count); }

}  // namespace rlvr::cpu
