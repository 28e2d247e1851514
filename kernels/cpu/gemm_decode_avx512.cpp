// The AVX-512 decode GEMM: sixteen lanes, E4M3 and BF16 weights widened in registers.
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma")
// GCC 12 flags _mm512_undefined_* inside its own reduce intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <bit>

#include "kernels/cpu/gemm_decode_impl.h"

namespace rlvr::cpu {
namespace {

struct V512 {
  using Reg = __m512;
  static constexpr int64_t kWidth = 16;
  static constexpr int kWeightRows = 2;  // weight rows per tile (acc + total: 16 of 32 registers)
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float f) { return _mm512_set1_ps(f); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(Reg a) { return _mm512_reduce_add_ps(a); }
  static Reg load_weights(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_weights(const uint16_t* p) {
    const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
  }
  static Reg load_weights(const uint8_t* p) {
    // sign-extend, shift the 7 magnitude bits to 26..20, keep the sign bit and those bits
    const __m512i w = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_slli_epi32(w, 20), _mm512_set1_epi32(int(0x87F00000u))));
  }
  static float weight_scalar(float w) { return w; }
  static float weight_scalar(uint16_t w) { return std::bit_cast<float>(uint32_t(w) << 16); }
  static float weight_scalar(uint8_t w) {
    return std::bit_cast<float>((uint32_t(w & 0x80u) << 24) | (uint32_t(w & 0x7fu) << 20));
  }
};

}  // namespace

void decode_gemm_avx512(const DecodeGemmArgs& a) { decode_gemm_run<V512>(a); }

}  // namespace rlvr::cpu
