// The FP8 GEMM on AMX tiles (kernels/cpu/gemm_fp8_amx.h). Operands are widened once per call to
// BF16 (A row-major, B in the VNNI pair layout TDPBF16PS reads), zero-padded to whole tiles; each
// 32x32 output block runs four 16x16 FP32 tiles over one 128-wide K block at a time, then adds
// that block's sums times its scales into an FP32 block that is written out at the end.
#pragma GCC target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx2,fma")
#include "kernels/cpu/gemm_fp8_amx.h"

#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu/thread_pool.h"
#include "kernels/fp_codec.h"
#include "kernels/quantize.h"

namespace rlvr::cpu {
namespace {

constexpr int64_t kTile = 16;      // rows (and FP32 columns) of a tile
constexpr int64_t kTileK = 32;     // BF16 values per tile row (64 bytes)
constexpr int64_t kBlock = 2 * kTile;  // output block: 2 x 2 tiles
constexpr long kArchReqXcompPerm = 0x1023;
constexpr long kXfeatureXtiledata = 18;

bool cpu_has_amx_bf16() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (edx & (1u << 22)) && (edx & (1u << 24));  // AMX-BF16, AMX-TILE
}

// Linux hands out the 8 KiB tile state only to processes that ask for it.
bool request_tile_state() { return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0; }

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Tiles 0-3: the 2 x 2 FP32 accumulators; 4-5: A (16 rows x 32 BF16); 6-7: B (16 pair-rows x 16).
void load_tile_config() {
  TileConfig c;
  for (int t = 0; t < 8; ++t) {
    c.rows[t] = kTile;
    c.colsb[t] = 64;
  }
  _tile_loadconfig(&c);
}

uint16_t e4m3_to_bf16_bits(uint8_t v) {
  return uint16_t(std::bit_cast<uint32_t>(e4m3_bits_to_float_fast(v)) >> 16);  // exact: 4 significant bits
}

// The stored [rows, K] codes as BF16, [rows_padded, k_padded], zeros outside.
std::vector<uint16_t> widen_rows(const QuantizedTensor& q, int64_t rows_padded, int64_t k_padded) {
  const int64_t R = q.stored_rows(), K = q.stored_k();
  std::vector<uint16_t> out(size_t(rows_padded * k_padded), 0);
  const uint8_t* in = static_cast<const uint8_t*>(q.data.raw());
  for (int64_t r = 0; r < R; ++r)
    for (int64_t k = 0; k < K; ++k) out[size_t(r * k_padded + k)] = e4m3_to_bf16_bits(in[r * K + k]);
  return out;
}

// VNNI layout of B: element (k, n) at [k / 2][n][k % 2], i.e. 32-bit pairs [k_padded / 2][n_padded].
// Written in 16 x 16 blocks of pairs, so that neither the reads nor the writes stride a whole
// matrix row per element.
std::vector<uint32_t> widen_pairs(const QuantizedTensor& q, int64_t rows_padded, int64_t k_padded) {
  const int64_t R = q.stored_rows(), K = q.stored_k(), kp = k_padded / 2;
  const uint8_t* in = static_cast<const uint8_t*>(q.data.raw());
  std::vector<uint32_t> out(size_t(kp * rows_padded), 0);
  for (int64_t n0 = 0; n0 < R; n0 += kTile)
    for (int64_t p0 = 0; p0 < kp; p0 += kTile)
      for (int64_t n = n0, n1 = std::min(R, n0 + kTile); n < n1; ++n) {
        const uint8_t* row = in + n * K;
        for (int64_t p = p0, p1 = std::min(kp, p0 + kTile); p < p1; ++p) {
          const int64_t k = 2 * p;
          const uint32_t lo = k < K ? e4m3_to_bf16_bits(row[k]) : 0, hi = k + 1 < K ? e4m3_to_bf16_bits(row[k + 1]) : 0;
          out[size_t(p * rows_padded + n)] = lo | (hi << 16);
        }
      }
  return out;
}

// scale(row, kb) for every padded row and K block: [Kb][rows_padded], zeros past the real rows.
std::vector<float> scales_by_block(const QuantizedTensor& q, int64_t rows_padded) {
  const int64_t R = q.stored_rows(), Kb = ceil_div(q.stored_k(), kQuantTile);
  std::vector<float> out(size_t(Kb * rows_padded), 0.0f);
  for (int64_t kb = 0; kb < Kb; ++kb)
    for (int64_t r = 0; r < R; ++r) out[size_t(kb * rows_padded + r)] = q.stored_scale(r, kb * kQuantTile);
  return out;
}

}  // namespace

bool amx_available() {
  static const bool ok = [] {
    const char* env = std::getenv("RLVR_CPU_AMX");
    if (!env || std::strcmp(env, "1") != 0) return false;
    return cpu_has_amx_bf16() && request_tile_state();
  }();
  return ok;
}

namespace {

// One call's packed operands, read by every piece.
struct AmxOperands {
  const uint16_t* A;  // [Mp][Kp]
  const uint32_t* B;  // [Kp / 2][Np]
  const float *sa, *sb;  // [Kb][Mp], [Kb][Np]
  int64_t M, N, Mp, Np, Kp, Kb;
};

// Output rows [m_begin, m_end) (multiples of kBlock) of y.
void amx_rows(AmxOperands o, float* y, int64_t ldy, bool accumulate, int64_t m_begin, int64_t m_end) {
  const uint16_t* A = o.A;
  const uint32_t* B = o.B;
  const int64_t M = o.M, N = o.N, Mp = o.Mp, Np = o.Np, Kp = o.Kp, Kb = o.Kb;
  load_tile_config();
  alignas(64) float sums[kBlock][kBlock];
  alignas(64) float out[kBlock][kBlock];
  for (int64_t m0 = m_begin; m0 < m_end; m0 += kBlock)
    for (int64_t n0 = 0; n0 < Np; n0 += kBlock) {
      const int64_t rows = std::min(kBlock, M - m0), cols = std::min(kBlock, N - n0);
      if (rows <= 0 || cols <= 0) continue;
      // Columns n0.. of the block as two 16-lane halves, masked past N.
      const __mmask16 lo = __mmask16(cols >= kTile ? 0xffff : (1u << cols) - 1);
      const __mmask16 hi = __mmask16(cols >= kBlock ? 0xffff : cols <= kTile ? 0 : (1u << (cols - kTile)) - 1);
      for (int64_t i = 0; i < kBlock; ++i) {
        const bool load = accumulate && i < rows;
        _mm512_store_ps(&out[i][0], load ? _mm512_maskz_loadu_ps(lo, y + (m0 + i) * ldy + n0) : _mm512_setzero_ps());
        _mm512_store_ps(&out[i][kTile],
                        load ? _mm512_maskz_loadu_ps(hi, y + (m0 + i) * ldy + n0 + kTile) : _mm512_setzero_ps());
      }
      for (int64_t kb = 0; kb < Kb; ++kb) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        for (int64_t k0 = kb * kQuantTile, k1 = std::min(Kp, k0 + kQuantTile); k0 < k1; k0 += kTileK) {
          _tile_loadd(4, A + m0 * Kp + k0, Kp * 2);
          _tile_loadd(5, A + (m0 + kTile) * Kp + k0, Kp * 2);
          _tile_loadd(6, B + (k0 / 2) * Np + n0, Np * 4);
          _tile_loadd(7, B + (k0 / 2) * Np + n0 + kTile, Np * 4);
          _tile_dpbf16ps(0, 4, 6);
          _tile_dpbf16ps(1, 4, 7);
          _tile_dpbf16ps(2, 5, 6);
          _tile_dpbf16ps(3, 5, 7);
        }
        _tile_stored(0, &sums[0][0], kBlock * 4);
        _tile_stored(1, &sums[0][kTile], kBlock * 4);
        _tile_stored(2, &sums[kTile][0], kBlock * 4);
        _tile_stored(3, &sums[kTile][kTile], kBlock * 4);
        const float* fb = o.sb + kb * Np + n0;
        const __m512 fb0 = _mm512_loadu_ps(fb), fb1 = _mm512_loadu_ps(fb + kTile);
        for (int64_t i = 0; i < rows; ++i) {
          const __m512 fa = _mm512_set1_ps(o.sa[kb * Mp + m0 + i]);
          _mm512_store_ps(&out[i][0], _mm512_fmadd_ps(_mm512_load_ps(&sums[i][0]), _mm512_mul_ps(fa, fb0),
                                                      _mm512_load_ps(&out[i][0])));
          _mm512_store_ps(&out[i][kTile], _mm512_fmadd_ps(_mm512_load_ps(&sums[i][kTile]), _mm512_mul_ps(fa, fb1),
                                                          _mm512_load_ps(&out[i][kTile])));
        }
      }
      for (int64_t i = 0; i < rows; ++i) {
        _mm512_mask_storeu_ps(y + (m0 + i) * ldy + n0, lo, _mm512_load_ps(&out[i][0]));
        _mm512_mask_storeu_ps(y + (m0 + i) * ldy + n0 + kTile, hi, _mm512_load_ps(&out[i][kTile]));
      }
    }
  _tile_release();
}

// Output rows per piece, and the multiply-adds below which the GEMM runs as one piece.
constexpr int64_t kAmxRowsPerPiece = 4 * kBlock;
constexpr int64_t kAmxPieceWork = int64_t(1) << 23;

}  // namespace

void gemm_fp8_amx(float* y, int64_t ldy, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate) {
  const int64_t M = a.stored_rows(), N = b.stored_rows(), K = a.stored_k();
  const int64_t Mp = ceil_div(M, kBlock) * kBlock, Np = ceil_div(N, kBlock) * kBlock;
  const int64_t Kp = ceil_div(K, kTileK) * kTileK, Kb = ceil_div(K, kQuantTile);
  const std::vector<uint16_t> A = widen_rows(a, Mp, Kp);
  const std::vector<uint32_t> B = widen_pairs(b, Np, Kp);
  const std::vector<float> sa = scales_by_block(a, Mp), sb = scales_by_block(b, Np);
  const AmxOperands o{A.data(), B.data(), sa.data(), sb.data(), M, N, Mp, Np, Kp, Kb};
  parallel_ranges(Mp, kAmxRowsPerPiece, M * N * K >= 2 * kAmxPieceWork,
                  [&](int64_t m0, int64_t m1) { amx_rows(o, y, ldy, accumulate, m0, m1); });
}

}  // namespace rlvr::cpu
