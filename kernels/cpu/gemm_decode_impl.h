// Private to kernels/cpu/: the decode GEMM's loop nest, written once over a vector-traits type V
// (V512, V256, VScalar) and instantiated in one translation unit per instruction set, each
// compiled for its own target (so nothing here may be a non-template inline function).
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/gemm_decode_cpu.h"
#include "kernels/cpu/thread_pool.h"

namespace rlvr::cpu {

constexpr int64_t kDecodePieceWork = int64_t(1) << 20;  // multiply-adds below which one piece runs
constexpr int64_t kDecodeRowsPerPiece = 32;

// Y[m0..m0+MR, n] from one weight row against MR activation rows. Per 128-wide K block the
// products are summed in acc, then scaled into total by that block's factor (fp8) or added.
template <class V, class WT, int MR>
void decode_tile(float* y, int64_t ldy, const float* x, int64_t ldx, const float* fac, int64_t n_blocks,
                 const WT* w, int64_t K) {
  using Reg = typename V::Reg;
  Reg total[MR], acc[MR];
  float tail_total[MR] = {};
  for (int m = 0; m < MR; ++m) total[m] = V::zero();
  for (int64_t kb = 0; kb < n_blocks; ++kb) {
    const int64_t k0 = kb * kDecodeBlock, k1 = std::min(K, k0 + kDecodeBlock);
    const int64_t kv = k0 + (k1 - k0) / V::kWidth * V::kWidth;
    for (int m = 0; m < MR; ++m) acc[m] = V::zero();
    for (int64_t k = k0; k < kv; k += V::kWidth) {
      const Reg wv = V::load_weights(w + k);
      for (int m = 0; m < MR; ++m) acc[m] = V::fma(V::load(x + m * ldx + k), wv, acc[m]);
    }
    float tail[MR] = {};
    for (int64_t k = kv; k < k1; ++k) {
      const float wk = V::weight_scalar(w[k]);
      for (int m = 0; m < MR; ++m) tail[m] += x[m * ldx + k] * wk;
    }
    if (fac) {
      for (int m = 0; m < MR; ++m) {
        const float f = fac[m * n_blocks + kb];
        total[m] = V::fma(acc[m], V::set1(f), total[m]);
        tail_total[m] += tail[m] * f;
      }
    } else {
      for (int m = 0; m < MR; ++m) total[m] = V::add(total[m], acc[m]), tail_total[m] += tail[m];
    }
  }
  for (int m = 0; m < MR; ++m) y[m * ldy] = V::sum(total[m]) + tail_total[m];
}

template <class V, class WT>
void decode_row_range(DecodeGemmArgs a, const WT* w, int64_t n0, int64_t n1) {
  const int64_t n_blocks = (a.K + kDecodeBlock - 1) / kDecodeBlock;
  for (int64_t n = n0; n < n1; ++n) {
    const WT* wn = w + n * a.K;
    // fp8 factors for this row's 128-row weight block: fac[(n/128)][m][kb]
    const float* fac_n = a.fac ? a.fac + (n / kDecodeBlock) * a.M * n_blocks : nullptr;
    auto fac_at = [&](int64_t m) { return fac_n ? fac_n + m * n_blocks : nullptr; };
    int64_t m = 0;
    for (; m + 4 <= a.M; m += 4)
      decode_tile<V, WT, 4>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, fac_at(m), n_blocks, wn, a.K);
    switch (a.M - m) {
      case 3: decode_tile<V, WT, 3>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, fac_at(m), n_blocks, wn, a.K); break;
      case 2: decode_tile<V, WT, 2>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, fac_at(m), n_blocks, wn, a.K); break;
      case 1: decode_tile<V, WT, 1>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, fac_at(m), n_blocks, wn, a.K); break;
      default: break;
    }
  }
}

// Pieces of kDecodeRowsPerPiece weight rows, each writing its own columns of y.
template <class V, class WT>
void decode_rows(const DecodeGemmArgs& a, const WT* w) {
  parallel_ranges(a.N, kDecodeRowsPerPiece, a.M * a.N * a.K >= 2 * kDecodePieceWork,
                  [&](int64_t n0, int64_t n1) { decode_row_range<V, WT>(a, w, n0, n1); });
}

template <class V>
void decode_gemm_run(const DecodeGemmArgs& a) {
  switch (a.format) {
    case DecodeWeights::F32: decode_rows<V>(a, static_cast<const float*>(a.w)); break;
    case DecodeWeights::BF16: decode_rows<V>(a, static_cast<const uint16_t*>(a.w)); break;
    case DecodeWeights::E4M3: decode_rows<V>(a, static_cast<const uint8_t*>(a.w)); break;
  }
}

}  // namespace rlvr::cpu
