// The CPU backend's fine-grained FP8 quantization, dequantization and 128x128-block transpose
// (layouts in kernels/quantize.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/fp_codec.h"
#include "kernels/quantize.h"

namespace rlvr::cpu {
namespace {

// max |x| over n values, as an integer max of the magnitude bits (same order as the floats for
// non-negative values; NaN compares above infinity), which the compiler vectorizes.
float amax_span(const float* x, int64_t n) {
  uint32_t m = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t a = std::bit_cast<uint32_t>(x[i]) & 0x7fffffffu;
    m = a > m ? a : m;
  }
  return std::bit_cast<float>(m);
}

void quantize_span(uint8_t* out, const float* x, int64_t n, float scale) {
  for (int64_t i = 0; i < n; ++i) out[i] = float_to_e4m3_bits_fast(x[i] / scale);
}

void dequantize_span(float* out, const uint8_t* q, int64_t n, float scale) {
  for (int64_t i = 0; i < n; ++i) out[i] = e4m3_bits_to_float_fast(q[i]) * scale;
}

// x / s through E4M3 and back, times s: bit for bit e4m3_bits_to_float_fast(float_to_e4m3_bits_fast(
// x / s)) * s (saturating at 448, NaN to NaN), without forming the byte. An E4M3 value is a float
// whose mantissa has 3 bits: the normal range rounds the bit pattern there (nearest even), the
// subnormal one rounds to a multiple of 2^-9 by adding and removing 2^14 (both exact).
inline float e4m3_round_trip(float x, float s) {
  constexpr uint32_t kMaxBits = 0x43e00000u;       // 448.0f
  constexpr uint32_t kMinNormalBits = 0x3c800000u;  // 2^-6
  const uint32_t u = std::bit_cast<uint32_t>(x / s);
  const uint32_t sign = u & 0x80000000u, a = u & 0x7fffffffu;
  const uint32_t clamped = a < kMaxBits ? a : kMaxBits;
  const float sub = (std::bit_cast<float>(clamped) + 0x1p14f) - 0x1p14f;
  const uint32_t normal = (clamped + 0x7ffffu + ((clamped >> 20) & 1u)) & 0xfff00000u;
  const uint32_t mag = clamped < kMinNormalBits ? std::bit_cast<uint32_t>(sub) : normal;
  return std::bit_cast<float>(a > 0x7f800000u ? 0x7fffffffu : (mag | sign)) * s;
}

void round_trip_span(float* out, const float* x, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) out[i] = e4m3_round_trip(x[i], s);
}

void round_trip_columns(float* out, const float* x, const float* scale, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = e4m3_round_trip(x[i], scale[i]);
}

// amax[c] = max(amax[c], |x[c]|) on the magnitude bits (as amax_span).
void column_max(uint32_t* amax, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t a = std::bit_cast<uint32_t>(x[i]) & 0x7fffffffu;
    amax[i] = a > amax[i] ? a : amax[i];
  }
}

// Elements below which a quantization runs as one piece, and pieces of about that many.
constexpr int64_t kQuantizePieceElements = int64_t(1) << 18;

int64_t rows_per_piece(int64_t cols) {
  return std::max<int64_t>(1, ceil_div(kQuantizePieceElements, std::max<int64_t>(cols, 1)));
}

bool split_work(int64_t elements) { return elements >= 2 * kQuantizePieceElements; }

// Reads x[r, c] as float whatever its float dtype.
struct RowReader {
  const Tensor& x;
  int64_t cols;
  std::vector<float> buf;
  const float* row(int64_t r) {
    if (x.dtype() == DType::F32) return x.data<float>() + r * cols;
    const bf16* p = x.data<bf16>() + r * cols;
    for (int64_t c = 0; c < cols; ++c) buf[c] = to_float(p[c]);
    return buf.data();
  }
};

void tiles_1x128_rows(const Tensor& x, uint8_t* out, float* scales, int64_t R, int64_t C, bool pow2, int64_t r0,
                      int64_t r1) {
  RowReader reader{x, C, std::vector<float>(static_cast<size_t>(C))};
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = reader.row(r);
    for (int64_t c0 = 0; c0 < C; c0 += kQuantTile) {
      const int64_t c1 = std::min(C, c0 + kQuantTile);
      const float s = fp8_group_scale(amax_span(row + c0, c1 - c0), pow2);
      scales[(c0 / kQuantTile) * R + r] = s;
      quantize_span(out + r * C + c0, row + c0, c1 - c0, s);
    }
  }
}

void quantize_tiles_1x128(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols;
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  parallel_ranges(R, rows_per_piece(C), split_work(R * C),
                  [&](int64_t r0, int64_t r1) { tiles_1x128_rows(x, out, scales, R, C, pow2, r0, r1); });
}

// 128x1 tiles: 128 consecutive rows of one column share a scale; the data is written
// transposed ([C,R]) in the same pass, so wgrad's token-major operand needs no extra copy.
void tiles_128x1_blocks(const float* in, uint8_t* out, float* scales, int64_t R, int64_t C, bool pow2, int64_t rb0,
                        int64_t rb1) {
  std::vector<uint32_t> amax(static_cast<size_t>(C));
  std::vector<float> col_scale(static_cast<size_t>(C));
  std::vector<uint8_t> row_bytes(static_cast<size_t>(kQuantTile * C));
  for (int64_t rb = rb0; rb < rb1; ++rb) {
    const int64_t r0 = rb * kQuantTile, r1 = std::min(R, r0 + kQuantTile);
    std::fill(amax.begin(), amax.end(), 0u);
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = 0; c < C; ++c) {
        const uint32_t a = std::bit_cast<uint32_t>(in[r * C + c]) & 0x7fffffffu;
        amax[c] = a > amax[c] ? a : amax[c];
      }
    for (int64_t c = 0; c < C; ++c) {
      const float s = fp8_group_scale(std::bit_cast<float>(amax[c]), pow2);
      scales[rb * C + c] = s;
      col_scale[c] = s;
    }
    // Quantize row-wise (vectorized), then transpose the 128-row strip of bytes.
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = in + r * C;
      uint8_t* qr = row_bytes.data() + (r - r0) * C;
      for (int64_t c = 0; c < C; ++c) qr[c] = float_to_e4m3_bits_fast(xr[c] / col_scale[c]);
    }
    // Each output row gets its 128 bytes in one run of stores; the strided reads stay in the
    // strip (128 x C bytes, cache-resident). Storing down columns instead (stride R, often a
    // power of two) thrashes the L1 sets and ran 2x slower.
    for (int64_t c = 0; c < C; ++c) {
      uint8_t* dst = out + c * R + r0;
      const uint8_t* src = row_bytes.data() + c;
      for (int64_t r = 0; r < r1 - r0; ++r) dst[r] = src[r * C];
    }
  }
}

void quantize_tiles_128x1(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols;
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  const float* in = xf.data<float>();
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  parallel_ranges(ceil_div(R, kQuantTile), 1, split_work(R * C), [&](int64_t rb0, int64_t rb1) {
    tiles_128x1_blocks(in, out, scales, R, C, pow2, rb0, rb1);
  });
}

void blocks_128x128(const float* in, uint8_t* out, float* scales, int64_t R, int64_t C, bool pow2, int64_t rb0,
                    int64_t rb1) {
  const int64_t ld = block_scale_ld(C);
  for (int64_t rb = rb0; rb < rb1; ++rb) {
    const int64_t r0 = rb * kQuantTile, r1 = std::min(R, r0 + kQuantTile);
    for (int64_t c0 = 0; c0 < C; c0 += kQuantTile) {
      const int64_t c1 = std::min(C, c0 + kQuantTile);
      float amax = 0.0f;
      for (int64_t r = r0; r < r1; ++r) amax = std::max(amax, amax_span(in + r * C + c0, c1 - c0));
      const float s = fp8_group_scale(amax, pow2);
      scales[rb * ld + c0 / kQuantTile] = s;
      for (int64_t r = r0; r < r1; ++r) quantize_span(out + r * C + c0, in + r * C + c0, c1 - c0, s);
    }
  }
}

void quantize_blocks_128x128(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols, Rb = ceil_div(R, kQuantTile);
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  const float* in = xf.data<float>();
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  std::fill(scales, scales + Rb * block_scale_ld(C), 1.0f);  // the ld padding holds harmless ones
  parallel_ranges(Rb, 1, split_work(R * C),
                  [&](int64_t rb0, int64_t rb1) { blocks_128x128(in, out, scales, R, C, pow2, rb0, rb1); });
}

// Rows [r0, r1) of x's 1x128 (per row) or 128x128 (per block of rows) round trip; r0 and r1 are
// multiples of 128 for blocks.
void round_trip_rows(const float* x, float* out, int64_t R, int64_t C, bool blocks, bool pow2, int64_t r0, int64_t r1) {
  const int64_t rows_per_group = blocks ? kQuantTile : 1;
  for (int64_t g0 = r0; g0 < r1; g0 += rows_per_group) {
    const int64_t g1 = std::min(R, g0 + rows_per_group);
    for (int64_t c0 = 0; c0 < C; c0 += kQuantTile) {
      const int64_t n = std::min(C, c0 + kQuantTile) - c0;
      float amax = 0.0f;
      for (int64_t r = g0; r < g1; ++r) amax = std::max(amax, amax_span(x + r * C + c0, n));
      const float s = fp8_group_scale(amax, pow2);
      for (int64_t r = g0; r < g1; ++r) round_trip_span(out + r * C + c0, x + r * C + c0, n, s);
    }
  }
}

// Row blocks [rb0, rb1) of x's 128x1 round trip: a scale per column of each 128-row block, the
// column maxima taken down the block (contiguous along the row, so it vectorizes across columns).
void round_trip_128x1(const float* x, float* out, int64_t R, int64_t C, bool pow2, int64_t rb0, int64_t rb1) {
  std::vector<uint32_t> amax(static_cast<size_t>(C));
  std::vector<float> scale(static_cast<size_t>(C));
  for (int64_t rb = rb0; rb < rb1; ++rb) {
    const int64_t r0 = rb * kQuantTile, r1 = std::min(R, r0 + kQuantTile);
    std::fill(amax.begin(), amax.end(), 0u);
    for (int64_t r = r0; r < r1; ++r) column_max(amax.data(), x + r * C, C);
    for (int64_t c = 0; c < C; ++c) scale[size_t(c)] = fp8_group_scale(std::bit_cast<float>(amax[size_t(c)]), pow2);
    for (int64_t r = r0; r < r1; ++r) round_trip_columns(out + r * C, x + r * C, scale.data(), C);
  }
}

void dequantize_rows(const QuantizedTensor& q, const uint8_t* in, float* o, int64_t k, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t k0 = 0; k0 < k; k0 += kQuantTile) {
      const float s = q.stored_scale(i, k0);
      const int64_t k1 = std::min(k, k0 + kQuantTile);
      dequantize_span(o + i * k + k0, in + i * k + k0, k1 - k0, s);
    }
}

}  // namespace

QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts) {
  QuantizedTensor q;
  q.layout = layout;
  q.rows = x.dim(0);
  q.cols = x.dim(1);
  const int64_t R = q.rows, C = q.cols;
  switch (layout) {
    case QuantLayout::Tile1x128:
      q.data = Tensor::empty({R, C}, DType::E4M3);
      q.scales = Tensor::empty({ceil_div(C, kQuantTile), R}, DType::F32);
      quantize_tiles_1x128(x, q, opts.pow2_scales);
      break;
    case QuantLayout::Tile128x1:
      q.data = Tensor::empty({C, R}, DType::E4M3);
      q.scales = Tensor::empty({ceil_div(R, kQuantTile), C}, DType::F32);
      quantize_tiles_128x1(x, q, opts.pow2_scales);
      break;
    case QuantLayout::Block128x128:
      q.data = Tensor::empty({R, C}, DType::E4M3);
      q.scales = Tensor::empty({ceil_div(R, kQuantTile), block_scale_ld(C)}, DType::F32);
      quantize_blocks_128x128(x, q, opts.pow2_scales);
      break;
  }
  return q;
}

Tensor dequantize_fp8(const QuantizedTensor& q, bool logical) {
  const int64_t n = q.stored_rows(), k = q.stored_k();
  Tensor out = Tensor::empty({n, k}, DType::F32);
  const uint8_t* in = reinterpret_cast<const uint8_t*>(q.data.data<fp8e4m3>());
  float* o = out.data<float>();
  parallel_ranges(n, rows_per_piece(k), split_work(n * k),
                  [&](int64_t i0, int64_t i1) { dequantize_rows(q, in, o, k, i0, i1); });
  if (!logical || q.layout != QuantLayout::Tile128x1) return out;
  // A 128x1 quantization stores X^T: transpose back to [rows, cols].
  Tensor t = Tensor::empty({q.rows, q.cols}, DType::F32);
  float* tr = t.data<float>();
  for (int64_t c = 0; c < q.cols; ++c)
    for (int64_t r = 0; r < q.rows; ++r) tr[r * q.cols + c] = o[c * q.rows + r];
  return t;
}

Tensor fp8_round_trip(const Tensor& x, QuantLayout layout, bool pow2_scales) {
  const int64_t R = x.dim(0), C = x.dim(1);
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  Tensor out = Tensor::empty({R, C}, DType::F32);
  const float* in = xf.data<float>();
  float* o = out.data<float>();
  switch (layout) {
    case QuantLayout::Tile1x128:
      parallel_ranges(R, rows_per_piece(C), split_work(R * C), [&](int64_t r0, int64_t r1) {
        round_trip_rows(in, o, R, C, /*blocks=*/false, pow2_scales, r0, r1);
      });
      break;
    case QuantLayout::Tile128x1:
      parallel_ranges(ceil_div(R, kQuantTile), 1, split_work(R * C),
                      [&](int64_t rb0, int64_t rb1) { round_trip_128x1(in, o, R, C, pow2_scales, rb0, rb1); });
      break;
    case QuantLayout::Block128x128:
      parallel_ranges(ceil_div(R, kQuantTile), 1, split_work(R * C), [&](int64_t rb0, int64_t rb1) {
        round_trip_rows(in, o, R, C, /*blocks=*/true, pow2_scales, rb0 * kQuantTile, std::min(R, rb1 * kQuantTile));
      });
      break;
  }
  return out;
}

QuantizedTensor transpose_blocks(const QuantizedTensor& w) {
  QuantizedTensor t;
  t.layout = QuantLayout::Block128x128;
  t.rows = w.cols;
  t.cols = w.rows;
  const int64_t R = w.rows, C = w.cols;
  t.data = Tensor::empty({C, R}, DType::E4M3);
  const uint8_t* in = reinterpret_cast<const uint8_t*>(w.data.data<fp8e4m3>());
  uint8_t* out = reinterpret_cast<uint8_t*>(t.data.data<fp8e4m3>());
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) out[c * R + r] = in[r * C + c];
  const int64_t Rb = ceil_div(R, kQuantTile), Cb = ceil_div(C, kQuantTile);
  const int64_t ld_in = block_scale_ld(C), ld_out = block_scale_ld(R);
  t.scales = Tensor::empty({Cb, ld_out}, DType::F32);
  float* so = t.scales.data<float>();
  std::fill(so, so + Cb * ld_out, 1.0f);
  const float* si = w.scales.data<float>();
  for (int64_t rb = 0; rb < Rb; ++rb)
    for (int64_t cb = 0; cb < Cb; ++cb) so[cb * ld_out + rb] = si[rb * ld_in + cb];
  return t;
}

}  // namespace rlvr::cpu
