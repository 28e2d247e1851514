// FP8 quantization: the layout helpers every backend shares, and the public ops' argument checks
// before they dispatch to the backend of the tensors' device.
#include "kernels/quantize.h"

#include <bit>
#include <cmath>
#include <limits>

#include "kernels/fp_codec.h"
#include "kernels/ops_dispatch.h"

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

// dequantize_fp8 and dequantize_fp8_stored: the stored matrix, or with `logical` the source one.
Tensor dequantize(const char* op, const QuantizedTensor& q, bool logical) {
  const Device dev = detail::op_device(op, {{"q.data", &q.data}, {"q.scales", &q.scales}});
  detail::check_quantized(op, q, "q");
  return detail::backend(dev, op).dequantize_fp8(q, logical);
}

}  // namespace

QuantizedTensor quantize_fp8(const Tensor& x, QuantLayout layout, QuantOptions opts) {
  const char* op = "quantize_fp8";
  const Device dev = detail::op_device(op, {{"x", &x}});
  check_ndim(op, x, "x", 2);
  RLVR_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::BF16, "kernels",
             "quantize_fp8: x is ", x.describe(), ", expected f32 or bf16");
  return detail::backend(dev, op).quantize_fp8(x, layout, opts);
}

Tensor dequantize_fp8(const QuantizedTensor& q) { return dequantize("dequantize_fp8", q, /*logical=*/true); }

Tensor dequantize_fp8_stored(const QuantizedTensor& q) {
  return dequantize("dequantize_fp8_stored", q, /*logical=*/false);
}

Tensor fp8_round_trip(const Tensor& x, QuantLayout layout, bool pow2_scales) {
  const char* op = "fp8_round_trip";
  const Device dev = detail::op_device(op, {{"x", &x}});
  check_ndim(op, x, "x", 2);
  RLVR_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::BF16, "kernels",
             "fp8_round_trip: x is ", x.describe(), ", expected f32 or bf16");
  return detail::backend(dev, op).fp8_round_trip(x, layout, pow2_scales);
}

QuantizedTensor transpose_blocks(const QuantizedTensor& w) {
  const char* op = "transpose_blocks";
  RLVR_CHECK(w.layout == QuantLayout::Block128x128, "kernels", "transpose_blocks needs 128x128 blocks, got ",
             quant_layout_name(w.layout));
  const Device dev = detail::op_device(op, {{"w.data", &w.data}, {"w.scales", &w.scales}});
  detail::check_quantized(op, w, "w");
  return detail::backend(dev, op).transpose_blocks(w);
}

}  // namespace rlvr
