// CPU fine-grained FP8 quantization and dequantization (layouts in kernels/quantize.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "kernels/fp_codec.h"
#include "kernels/quantize.h"

#ifdef RLVR_HAVE_CUDA
#include "kernels/cuda/quantize_cuda.h"
#endif

namespace rlvr {

const char* quant_layout_name(QuantLayout l) {
  switch (l) {
    case QuantLayout::Tile1x128: return "1x128";
    case QuantLayout::Tile128x1: return "128x1";
    case QuantLayout::Block128x128: return "128x128";
  }
  return "?";
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t block_scale_ld(int64_t cols) { return (ceil_div(cols, kQuantTile) + 3) / 4 * 4; }

float fp8_group_scale(float amax, bool pow2) {
  if (!(amax > 0.0f)) return 1.0f;  // all zeros (or NaN amax): a finite, harmless scale
  float s = amax / kE4M3Max;
  if (!std::isfinite(s)) s = std::numeric_limits<float>::max();
  if (pow2) {
    const uint32_t u = std::bit_cast<uint32_t>(s);
    if ((u & 0x7fffffu) != 0) s = std::bit_cast<float>((u & 0xff800000u) + 0x800000u);
  }
  return s;
}

float QuantizedTensor::stored_scale(int64_t i, int64_t k) const {
  const float* s = scales.data<float>();
  const int64_t kb = k / kQuantTile;
  switch (layout) {
    case QuantLayout::Tile1x128:
    case QuantLayout::Tile128x1: return s[kb * stored_rows() + i];
    case QuantLayout::Block128x128: return s[(i / kQuantTile) * block_scale_ld(cols) + kb];
  }
  return 0.0f;
}

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

void quantize_tiles_1x128(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols, Cb = ceil_div(C, kQuantTile);
  RowReader reader{x, C, std::vector<float>(static_cast<size_t>(C))};
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  for (int64_t r = 0; r < R; ++r) {
    const float* row = reader.row(r);
    for (int64_t cb = 0; cb < Cb; ++cb) {
      const int64_t c0 = cb * kQuantTile, c1 = std::min(C, c0 + kQuantTile);
      const float s = fp8_group_scale(amax_span(row + c0, c1 - c0), pow2);
      scales[cb * R + r] = s;
      quantize_span(out + r * C + c0, row + c0, c1 - c0, s);
    }
  }
}

// 128x1 tiles: 128 consecutive rows of one column share a scale; the data is written
// transposed ([C,R]) in the same pass, so wgrad's token-major operand needs no extra copy.
void quantize_tiles_128x1(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols, Rb = ceil_div(R, kQuantTile);
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  const float* in = xf.data<float>();
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  std::vector<uint32_t> amax(static_cast<size_t>(C));
  std::vector<float> col_scale(static_cast<size_t>(C));
  std::vector<uint8_t> row_bytes(static_cast<size_t>(kQuantTile * C));
  for (int64_t rb = 0; rb < Rb; ++rb) {
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
    // Quantize row-wise (vectorized), then transpose 128-row strips of bytes.
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = in + r * C;
      uint8_t* qr = row_bytes.data() + (r - r0) * C;
      for (int64_t c = 0; c < C; ++c) qr[c] = float_to_e4m3_bits_fast(xr[c] / col_scale[c]);
    }
    constexpr int64_t kChunk = 32;  // columns per pass: the 32 output rows stay in cache
    for (int64_t cc = 0; cc < C; cc += kChunk) {
      const int64_t ce = std::min(C, cc + kChunk);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* src = row_bytes.data() + (r - r0) * C;
        for (int64_t c = cc; c < ce; ++c) out[c * R + r] = src[c];
      }
    }
  }
}

void quantize_blocks_128x128(const Tensor& x, QuantizedTensor& q, bool pow2) {
  const int64_t R = q.rows, C = q.cols, Rb = ceil_div(R, kQuantTile), Cb = ceil_div(C, kQuantTile);
  const int64_t ld = block_scale_ld(C);
  const Tensor xf = x.dtype() == DType::F32 ? x : x.to(DType::F32);
  const float* in = xf.data<float>();
  uint8_t* out = reinterpret_cast<uint8_t*>(q.data.data<fp8e4m3>());
  float* scales = q.scales.data<float>();
  std::fill(scales, scales + Rb * ld, 1.0f);  // the ld padding holds harmless ones
  for (int64_t rb = 0; rb < Rb; ++rb) {
    const int64_t r0 = rb * kQuantTile, r1 = std::min(R, r0 + kQuantTile);
    for (int64_t cb = 0; cb < Cb; ++cb) {
      const int64_t c0 = cb * kQuantTile, c1 = std::min(C, c0 + kQuantTile);
      float amax = 0.0f;
      for (int64_t r = r0; r < r1; ++r) amax = std::max(amax, amax_span(in + r * C + c0, c1 - c0));
      const float s = fp8_group_scale(amax, pow2);
      scales[rb * ld + cb] = s;
      for (int64_t r = r0; r < r1; ++r) quantize_span(out + r * C + c0, in + r * C + c0, c1 - c0, s);
    }
  }
}

}  // namespace

QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts) {
  RLVR_CHECK(x.defined(), "kernels", "quantize_fp8: x is undefined");
#ifdef RLVR_HAVE_CUDA
  if (x.device() == Device::CUDA) return cuda::quantize_fp8(x, layout, opts);
#endif
  check_cpu("quantize_fp8", x, "x");
  check_ndim("quantize_fp8", x, "x", 2);
  RLVR_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::BF16, "kernels",
             "quantize_fp8: x is ", x.describe(), ", expected f32 or bf16");
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

Tensor dequantize_fp8_stored(const QuantizedTensor& q) {
#ifdef RLVR_HAVE_CUDA
  if (q.data.defined() && q.data.device() == Device::CUDA) return cuda::dequantize_fp8(q, /*logical=*/false);
#endif
  check_cpu("dequantize_fp8", q.data, "data");
  const int64_t n = q.stored_rows(), k = q.stored_k();
  check_shape("dequantize_fp8", q.data, "data", {n, k});
  Tensor out = Tensor::empty({n, k}, DType::F32);
  const uint8_t* in = reinterpret_cast<const uint8_t*>(q.data.data<fp8e4m3>());
  float* o = out.data<float>();
  float lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = e4m3_bits_to_float(uint8_t(v));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k0 = 0; k0 < k; k0 += kQuantTile) {
      const float s = q.stored_scale(i, k0);
      const int64_t k1 = std::min(k, k0 + kQuantTile);
      for (int64_t j = k0; j < k1; ++j) o[i * k + j] = lut[in[i * k + j]] * s;
    }
  return out;
}

Tensor dequantize_fp8(const QuantizedTensor& q) {
#ifdef RLVR_HAVE_CUDA
  if (q.data.defined() && q.data.device() == Device::CUDA) return cuda::dequantize_fp8(q, /*logical=*/true);
#endif
  Tensor stored = dequantize_fp8_stored(q);
  if (q.layout != QuantLayout::Tile128x1) return stored;
  Tensor out = Tensor::empty({q.rows, q.cols}, DType::F32);
  const float* s = stored.data<float>();
  float* o = out.data<float>();
  for (int64_t c = 0; c < q.cols; ++c)
    for (int64_t r = 0; r < q.rows; ++r) o[r * q.cols + c] = s[c * q.rows + r];
  return out;
}

QuantizedTensor transpose_blocks(const QuantizedTensor& w) {
  RLVR_CHECK(w.layout == QuantLayout::Block128x128, "kernels", "transpose_blocks needs 128x128 blocks, got ",
             quant_layout_name(w.layout));
#ifdef RLVR_HAVE_CUDA
  if (w.data.defined() && w.data.device() == Device::CUDA) return cuda::transpose_blocks(w);
#endif
  check_cpu("transpose_blocks", w.data, "data");
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

}  // namespace rlvr
