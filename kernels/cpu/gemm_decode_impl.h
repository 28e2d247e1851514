// Private to kernels/cpu/: the decode GEMM's loop nest, written once over a vector-traits type V
// (V512, V256, VScalar) and instantiated in one translation unit per instruction set, each
// compiled for its own target (so nothing here may be a non-template inline function).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cpu/gemm_decode_cpu.h"
#include "kernels/cpu/thread_pool.h"

namespace rlvr::cpu {

constexpr int64_t kDecodePieceWork = int64_t(1) << 17;  // multiply-adds below which one piece runs
constexpr int64_t kDecodeRowsPerPiece = 32;

// Y[m0..m0+MR, n..n+NR) from NR weight rows against MR activation rows. Per 128-wide K block the
// products are summed in acc, then scaled into total by that block's factor (fp8) or added; at
// the end each total's lanes are summed (V::sums: the tree of V::sum). Each output element sees
// the same operations in the same order whatever MR and NR are; NR > 1 only reuses each
// activation load for several weight rows. The totals live in memory (touched once per block),
// leaving the registers to the accumulators. The scalar tails (K not a multiple of the width)
// use explicit fused multiply-adds: left to the compiler, instantiations contracted them apart.
template <class V, class WT, int MR, int NR>
void decode_tile(float* y, int64_t ldy, const float* x, int64_t ldx, const float* const* fac, int64_t n_blocks,
                 const WT* const* w, int64_t K) {
  using Reg = typename V::Reg;
  constexpr int64_t L = V::kWidth;
  alignas(64) float total[NR * MR * L];
  Reg acc[NR][MR];
  float tail_total[NR][MR];
  for (int r = 0; r < NR; ++r)
    for (int m = 0; m < MR; ++m) tail_total[r][m] = 0.0f;
  for (int i = 0; i < NR * MR; ++i) V::store(total + i * L, V::zero());
  for (int64_t kb = 0; kb < n_blocks; ++kb) {
    const int64_t k0 = kb * kDecodeBlock, k1 = std::min(K, k0 + kDecodeBlock);
    const int64_t kv = k0 + (k1 - k0) / L * L;
    for (int r = 0; r < NR; ++r)
      for (int m = 0; m < MR; ++m) acc[r][m] = V::zero();
    for (int64_t k = k0; k < kv; k += L) {
      Reg wv[NR];
      for (int r = 0; r < NR; ++r) wv[r] = V::load_weights(w[r] + k);
      for (int m = 0; m < MR; ++m) {
        const Reg xv = V::load(x + m * ldx + k);
        for (int r = 0; r < NR; ++r) acc[r][m] = V::fma(xv, wv[r], acc[r][m]);
      }
    }
    for (int r = 0; r < NR; ++r)
      for (int m = 0; m < MR; ++m) {
        float* t = total + (r * MR + m) * L;
        if (fac[r]) V::store(t, V::fma(acc[r][m], V::set1(fac[r][m * n_blocks + kb]), V::load(t)));
        else V::store(t, V::add(V::load(t), acc[r][m]));
      }
    if (kv == k1) continue;  // no tail (skipping it leaves tail_total as it was: + 0 changes nothing)
    float tail[NR][MR];
    for (int r = 0; r < NR; ++r)
      for (int m = 0; m < MR; ++m) tail[r][m] = 0.0f;
    for (int64_t k = kv; k < k1; ++k)
      for (int r = 0; r < NR; ++r) {
        const float wk = V::weight_scalar(w[r][k]);
        for (int m = 0; m < MR; ++m) tail[r][m] = std::fma(x[m * ldx + k], wk, tail[r][m]);
      }
    for (int r = 0; r < NR; ++r)
      for (int m = 0; m < MR; ++m)
        tail_total[r][m] = fac[r] ? std::fma(tail[r][m], fac[r][m * n_blocks + kb], tail_total[r][m])
                                  : tail_total[r][m] + tail[r][m];
  }
  float sums[NR * MR];
  V::template sums<NR * MR>(total, sums);
  for (int r = 0; r < NR; ++r)
    for (int m = 0; m < MR; ++m) y[m * ldy + r] = sums[r * MR + m] + tail_total[r][m];
}

// Columns [n, n + NR) of y, every activation row, from the weight rows wn[0..NR).
template <class V, class WT, int NR>
void decode_columns(const DecodeGemmArgs& a, const WT* const* wn, int64_t n, int64_t n_blocks) {
  const float* fac_n[NR];
  for (int r = 0; r < NR; ++r)  // fp8 factors of this row's 128-row weight block: fac[(n/128)][m][kb]
    fac_n[r] = a.fac ? a.fac + ((n + r) / kDecodeBlock) * a.M * n_blocks : nullptr;
  const float* fac_m[NR];
  auto at = [&](int64_t m) {
    for (int r = 0; r < NR; ++r) fac_m[r] = fac_n[r] ? fac_n[r] + m * n_blocks : nullptr;
    return fac_m;
  };
  int64_t m = 0;
  for (; m + 4 <= a.M; m += 4)
    decode_tile<V, WT, 4, NR>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, at(m), n_blocks, wn, a.K);
  switch (a.M - m) {
    case 3: decode_tile<V, WT, 3, NR>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, at(m), n_blocks, wn, a.K); break;
    case 2: decode_tile<V, WT, 2, NR>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, at(m), n_blocks, wn, a.K); break;
    case 1: decode_tile<V, WT, 1, NR>(a.y + m * a.N + n, a.N, a.x + m * a.ldx, a.ldx, at(m), n_blocks, wn, a.K); break;
    default: break;
  }
}

// One weight row widened to F32 as the tiles would widen it (load_weights per vector,
// weight_scalar per element): the same values, so the same results.
template <class V, class WT>
void widen_row(float* out, const WT* w, int64_t K) {
  int64_t k = 0;
  for (; k + V::kWidth <= K; k += V::kWidth) V::store(out + k, V::load_weights(w + k));
  for (; k < K; ++k) out[k] = V::weight_scalar(w[k]);
}

// Columns [n, n + NR). With more than one tile of activation rows, BF16 and E4M3 rows are widened
// once into `widened` [NR, K] and every tile reads F32, instead of each tile widening them again.
template <class V, class WT, int NR>
void decode_weight_rows(const DecodeGemmArgs& a, const WT* w, int64_t n, int64_t n_blocks, float* widened) {
  const WT* wn[NR];
  for (int r = 0; r < NR; ++r) wn[r] = w + (n + r) * a.K;
  if constexpr (!std::is_same_v<WT, float> && V::kWidth > 1) {
    if (a.M > 4) {
      const float* wf[NR];
      for (int r = 0; r < NR; ++r) {
        widen_row<V>(widened + r * a.K, wn[r], a.K);
        wf[r] = widened + r * a.K;
      }
      decode_columns<V, float, NR>(a, wf, n, n_blocks);
      return;
    }
  }
  decode_columns<V, WT, NR>(a, wn, n, n_blocks);
}

template <class V, class WT>
void decode_row_range(DecodeGemmArgs a, const WT* w, int64_t n0, int64_t n1) {
  const int64_t n_blocks = (a.K + kDecodeBlock - 1) / kDecodeBlock;
  std::vector<float> widened(std::is_same_v<WT, float> || a.M <= 4 ? 0 : size_t(V::kWeightRows * a.K));
  int64_t n = n0;
  for (; n + V::kWeightRows <= n1; n += V::kWeightRows)
    decode_weight_rows<V, WT, V::kWeightRows>(a, w, n, n_blocks, widened.data());
  for (; n < n1; ++n) decode_weight_rows<V, WT, 1>(a, w, n, n_blocks, widened.data());
}

template <class V>
void decode_piece(const DecodeGemmArgs& a, int64_t n0, int64_t n1) {
  switch (a.format) {
    case DecodeWeights::F32: decode_row_range<V>(a, static_cast<const float*>(a.w), n0, n1); break;
    case DecodeWeights::BF16: decode_row_range<V>(a, static_cast<const uint16_t*>(a.w), n0, n1); break;
    case DecodeWeights::E4M3: decode_row_range<V>(a, static_cast<const uint8_t*>(a.w), n0, n1); break;
  }
}

// The products of `count` argument sets (weights that read the same activations) in one round of
// pieces: kDecodeRowsPerPiece weight rows of one of them each, writing its own columns of its y.
template <class V>
void decode_gemm_run(const DecodeGemmArgs* args, int64_t count) {
  struct Piece {
    int64_t arg, n0, n1;
  };
  std::vector<Piece> pieces;
  int64_t work = 0;
  for (int64_t i = 0; i < count; ++i) {
    const DecodeGemmArgs& a = args[i];
    work += a.M * a.N * a.K;
    for (int64_t n0 = 0; n0 < a.N; n0 += kDecodeRowsPerPiece)
      pieces.push_back({i, n0, std::min(a.N, n0 + kDecodeRowsPerPiece)});
  }
  if (work < 2 * kDecodePieceWork) {
    for (int64_t i = 0; i < count; ++i) decode_piece<V>(args[i], 0, args[i].N);
    return;
  }
  parallel_for(int64_t(pieces.size()), [&](int64_t p) {
    const Piece& pc = pieces[size_t(p)];
    decode_piece<V>(args[pc.arg], pc.n0, pc.n1);
  });
}

}  // namespace rlvr::cpu
