// Private to kernels/cuda/: the device side of the FP8 recipe, shared by the quantize kernels
// so that they agree with rlvr::fp8_group_scale and the CPU's E4M3 rounding bit for bit.
#pragma once

#include <cuda_fp8.h>

namespace rlvr::cuda {

constexpr int kTile = 128;

// Same formula as rlvr::fp8_group_scale on the CPU.
__device__ inline float group_scale(float amax, bool pow2) {
  if (!(amax > 0.0f)) return 1.0f;
  float s = amax / 448.0f;
  if (isinf(s)) s = 3.402823466e38f;
  if (pow2) {
    const unsigned u = __float_as_uint(s);
    if (u & 0x7fffffu) s = __uint_as_float((u & 0xff800000u) + 0x800000u);
  }
  return s;
}

// |x| as ordered bits: an integer max over these is the CPU's amax (NaN sorts above infinity).
__device__ inline unsigned abs_bits(float x) { return __float_as_uint(x) & 0x7fffffffu; }

// An input element as FP32: float itself, or BF16 bits (exact: the bits move up 16 places).
__device__ inline float load_f32(const float* x, int64_t i) { return x[i]; }
__device__ inline float load_f32(const unsigned short* x, int64_t i) { return __uint_as_float(unsigned(x[i]) << 16); }

__device__ inline unsigned char to_e4m3(float v) {
  return static_cast<unsigned char>(__nv_cvt_float_to_fp8(v, __NV_SATFINITE, __NV_E4M3));
}

__device__ inline float e4m3_to_float(unsigned char b) {
  __nv_fp8_e4m3 v;
  v.__x = b;
  return float(v);
}

}  // namespace rlvr::cuda
