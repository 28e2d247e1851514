// The portable decode GEMM: the shared loop nest over plain floats (see gemm_decode_impl.h).
#include <bit>

#include "kernels/cpu/gemm_decode_impl.h"

namespace rlvr::cpu {
namespace {

struct VScalar {
  using Reg = float;
  static constexpr int64_t kWidth = 1;
  static constexpr int kWeightRows = 1;  // weight rows per tile (the registers allow one)
  static float zero() { return 0.0f; }
  static float set1(float f) { return f; }
  static float load(const float* p) { return *p; }
  static void store(float* p, float a) { *p = a; }
  static float add(float a, float b) { return a + b; }
  static float fma(float a, float b, float c) { return a * b + c; }
  static float sum(float a) { return a; }
  template <int n>
  static void sums(const float* totals, float* out) {
    for (int i = 0; i < n; ++i) out[i] = totals[i];
  }
  static float weight_scalar(float w) { return w; }
  static float weight_scalar(uint16_t w) { return std::bit_cast<float>(uint32_t(w) << 16); }
  static float weight_scalar(uint8_t w) {
    // sign to bit 31, exponent and mantissa to bits 26..20: the E4M3 value times 2^-120
    return std::bit_cast<float>((uint32_t(w & 0x80u) << 24) | (uint32_t(w & 0x7fu) << 20));
  }
  template <class WT>
  static float load_weights(const WT* p) { return weight_scalar(*p); }
};

}  // namespace

void decode_gemm_scalar(const DecodeGemmArgs* args, int64_t count) { decode_gemm_run<VScalar>(args, count); }

}  // namespace rlvr::cpu
