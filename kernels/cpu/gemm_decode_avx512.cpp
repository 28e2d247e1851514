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
  static constexpr int kWeightRows = 4;  // weight rows per tile (4 x 4 accumulators: 16 of 32 registers)
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float f) { return _mm512_set1_ps(f); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg a) { _mm512_storeu_ps(p, a); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(Reg a) { return _mm512_reduce_add_ps(a); }
  // sum() of each of n totals [n][16], four at a time with the same tree of additions as
  // _mm512_reduce_add_ps (lanes i + i+8, then + i+4, then + i+2, then + i+1), transposed so
  // that each vector addition serves four totals.
  template <int n>
  static void sums(const float* totals, float* out) {
    constexpr int quads = n / 4 * 4;
    for (int i = 0; i < quads; i += 4) {
      const Reg a = load(totals + i * 16), b = load(totals + (i + 1) * 16);
      const Reg c = load(totals + (i + 2) * 16), d = load(totals + (i + 3) * 16);
      // quarters [a0+a2, a1+a3, b0+b2, b1+b3] and the same for c, d
      const Reg ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xEE));
      const Reg cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44), _mm512_shuffle_f32x4(c, d, 0xEE));
      // quarters [a's 8 lanes halved, b's, c's, d's]: lane j of quarter q = T6[j] of total i + q
      const Reg h = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xDD));
      const Reg h2 = _mm512_add_ps(h, _mm512_permute_ps(h, 0x4E));     // + lane j^2
      const Reg h1 = _mm512_add_ps(h2, _mm512_permute_ps(h2, 0xB1));  // + lane j^1
      alignas(64) float lanes[16];
      _mm512_store_ps(lanes, h1);
      for (int q = 0; q < 4; ++q) out[i + q] = lanes[q * 4];
    }
    for (int i = quads; i < n; ++i) out[i] = sum(load(totals + i * 16));
  }
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

void decode_gemm_avx512(const DecodeGemmArgs* args, int64_t count) { decode_gemm_run<V512>(args, count); }

}  // namespace rlvr::cpu
