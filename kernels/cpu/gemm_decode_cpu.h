// Private to kernels/cpu/: the arguments of one decode GEMM after the public entry point has
// prepared the activations, and the per-instruction-set kernels that run it.
#pragma once

#include <cstdint>

namespace rlvr::cpu {

constexpr int64_t kDecodeBlock = 128;  // K block of the fp8 recipe (scales change per block)

enum class DecodeWeights : uint8_t { F32, BF16, E4M3 };

// E4M3 weights are read as raw bit patterns placed in a float (the value times 2^-120, exact
// for subnormals too); the activations carry 2^60 and the factors the remaining 2^60, so every
// product and partial sum stays in the normal range.
constexpr float kE4M3RawScale = 0x1p60f;

struct DecodeGemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const float* x = nullptr;  // [M, ldx] prepared activations (BF16-rounded, or E4M3 values * 2^60)
  int64_t ldx = 0;
  const void* w = nullptr;   // [N, K] weights in `format`
  DecodeWeights format = DecodeWeights::F32;
  const float* fac = nullptr;  // E4M3: [ceil(N/128)][M][ceil(K/128)] x scale * w scale * 2^60
  float* y = nullptr;          // [M, N]
};

// args[0..count): products that run in one round of pieces (each its own y).
void decode_gemm_scalar(const DecodeGemmArgs* args, int64_t count);
void decode_gemm_avx2(const DecodeGemmArgs* args, int64_t count);
void decode_gemm_avx512(const DecodeGemmArgs* args, int64_t count);

}  // namespace rlvr::cpu
