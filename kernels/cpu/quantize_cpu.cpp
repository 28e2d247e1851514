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

// deq (may be null): the dequantized values too, written while the tile's bytes are in cache.
void tiles_1x128_rows(const Tensor& x, uint8_t* out, float* scales, float* deq, int64_t R, int64_t C, bool pow2,
                      int64_t r0, int64_t r1) {
  RowReader reader{x, C, std::vector<float>(static_cast<size_t>(C))};
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = reader.row(r);
    for (int64_t c0 = 0; c0 < C; c0 += kQuantTile) {
      const int64_t c1 = std::min(C, c0 + kQuantTile);
      const float s = fp8_group_scale(amax_span(row + c0, c1 - c0), pow2);
      scales[(c0 / kQuantTile) * R + r] = s;
      quantize_span(out + r * C + c0, row + c0, c1 - c0, s);
      if (deq) dequantize_span(deq + r * C + c0, out + r * C + c0, c1 - c0, s);
    }
  }
}

void quantize_tiles_1x128(const Tensor& x, QuantizedTensor& q, bool pow2, bool with_dequantized) {
  const int64_t R = q.rows, C = q.cols;
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  if (with_dequantized) q.dequantized = Tensor::empty({R, C}, DType::F32);
  float* deq = with_dequantized ? q.dequantized.data<float>() : nullptr;
  parallel_ranges(R, rows_per_piece(C), split_work(R * C),
                  [&](int64_t r0, int64_t r1) { tiles_1x128_rows(x, out, scales, deq, R, C, pow2, r0, r1); });
}

// 128x1 tiles: 128 consecutive rows of one column share a scale; the data is written
// transposed ([C,R]) in the same pass, so wgrad's token-major operand needs no extra copy.
// deq (may be null): the dequantized values too, in the stored (transposed) layout.
void tiles_128x1_blocks(const float* in, uint8_t* out, float* scales, float* deq, int64_t R, int64_t C, bool pow2,
                        int64_t rb0, int64_t rb1) {
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
      if (deq) dequantize_span(deq + c * R + r0, dst, r1 - r0, col_scale[size_t(c)]);
    }
  }
}

void quantize_tiles_128x1(const Tensor& x, QuantizedTensor& q, bool pow2, bool with_dequantized) {
  const int64_t R = q.rows, C = q.cols;
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  const float* in = xf.data<float>();
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  if (with_dequantized) q.dequantized = Tensor::empty({C, R}, DType::F32);
  float* deq = with_dequantized ? q.dequantized.data<float>() : nullptr;
  parallel_ranges(ceil_div(R, kQuantTile), 1, split_work(R * C), [&](int64_t rb0, int64_t rb1) {
    tiles_128x1_blocks(in, out, scales, deq, R, C, pow2, rb0, rb1);
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
      quantize_tiles_1x128(x, q, opts.pow2_scales, opts.with_dequantized);
      break;
    case QuantLayout::Tile128x1:
      q.data = Tensor::empty({C, R}, DType::E4M3);
      q.scales = Tensor::empty({ceil_div(R, kQuantTile), C}, DType::F32);
      quantize_tiles_128x1(x, q, opts.pow2_scales, opts.with_dequantized);
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
