// Block-scaled FP8 checkpoints: quantization_config, dequantization on load, quantization on export.
#include "model/fp8_checkpoint.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "kernels/fp_codec.h"
#include "kernels/quantize.h"

namespace rlvr::model {

namespace {

using json = nlohmann::json;

[[noreturn]] void unsupported(const std::string& source, const std::string& key, const json& value,
                              const char* what) {
  RLVR_FAIL("model", "unsupported quantization_config", source, ": 'quantization_config.", key, "' = ", value.dump(),
            " (", what, ")");
}

// The keys transformers' fine-grained FP8 config writes; `dequantize` only says how transformers
// loads the weights, not what they are.
constexpr const char* kKnownKeys[] = {"quant_method", "fmt", "activation_scheme", "weight_block_size",
                                      "modules_to_not_convert", "dequantize"};

int64_t block_side(const std::string& source, const json& sizes, size_t i) {
  const json& v = sizes[i];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0)
    unsupported(source, "weight_block_size", sizes, "expected two positive integers");
  return v.get<int64_t>();
}

}  // namespace

std::string module_of_weight(const std::string& weight_name) {
  return weight_name.ends_with(".weight") ? weight_name.substr(0, weight_name.size() - 7) : weight_name;
}

bool Fp8CheckpointFormat::keeps_unquantized(const std::string& weight_name) const {
  const std::string module = module_of_weight(weight_name);
  for (const std::string& m : modules_to_not_convert) {
    if (m.empty()) continue;
    if (module == m || module.rfind(m + ".", 0) == 0 || module.ends_with("." + m) ||
        module.find("." + m + ".") != std::string::npos)
      return true;
  }
  return false;
}

json Fp8CheckpointFormat::to_json() const {
  return {{"quant_method", "fp8"},
          {"fmt", "e4m3"},
          {"activation_scheme", "dynamic"},
          {"weight_block_size", {block_rows, block_cols}},
          {"modules_to_not_convert", modules_to_not_convert}};
}

std::optional<Fp8CheckpointFormat> Fp8CheckpointFormat::from_config(const json& config, const std::string& source) {
  const auto it = config.find("quantization_config");
  if (it == config.end() || it->is_null()) return std::nullopt;
  const json& q = *it;
  RLVR_CHECK(q.is_object(), "model", "unsupported quantization_config", source, ": 'quantization_config' = ",
             q.dump(), ", expected an object");
  for (const auto& [key, value] : q.items())
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys))
      unsupported(source, key, value, "a field rlvr does not implement");
  const json method = q.value("quant_method", json());
  if (method != "fp8") unsupported(source, "quant_method", method, "rlvr loads fp8 (block-scaled E4M3) checkpoints");
  if (q.contains("fmt") && q["fmt"] != "e4m3") unsupported(source, "fmt", q["fmt"], "rlvr implements e4m3");
  if (q.contains("activation_scheme") && q["activation_scheme"] != "dynamic")
    unsupported(source, "activation_scheme", q["activation_scheme"],
                "rlvr scales activations per tile as it runs: dynamic");
  Fp8CheckpointFormat f;
  if (q.contains("weight_block_size")) {  // transformers' default is [128, 128]
    const json& sizes = q["weight_block_size"];
    if (sizes.is_null()) unsupported(source, "weight_block_size", sizes, "rlvr implements block scales, not per-tensor ones");
    if (!sizes.is_array() || sizes.size() != 2)
      unsupported(source, "weight_block_size", sizes, "expected two positive integers");
    f.block_rows = block_side(source, sizes, 0);
    f.block_cols = block_side(source, sizes, 1);
  }
  if (q.contains("modules_to_not_convert") && !q["modules_to_not_convert"].is_null()) {
    const json& list = q["modules_to_not_convert"];
    const bool strings = list.is_array() && std::all_of(list.begin(), list.end(), [](const json& v) { return v.is_string(); });
    if (!strings) unsupported(source, "modules_to_not_convert", list, "expected a list of module names");
    f.modules_to_not_convert = list.get<std::vector<std::string>>();
  }
  return f;
}

Shape fp8_scale_shape(const Fp8CheckpointFormat& format, int64_t rows, int64_t cols) {
  return {ceil_div(rows, format.block_rows), ceil_div(cols, format.block_cols)};
}

Tensor dequantize_fp8_blocks(const Tensor& q, const Tensor& scale_inv, const Fp8CheckpointFormat& format) {
  RLVR_CHECK(q.dtype() == DType::E4M3 && q.ndim() == 2 && q.device() == Device::CPU, "model",
             "dequantize_fp8_blocks: q is ", q.describe(), ", expected e4m3 [N, K] on the CPU");
  const int64_t n = q.dim(0), k = q.dim(1);
  RLVR_CHECK(scale_inv.dtype() == DType::F32 && scale_inv.shape() == fp8_scale_shape(format, n, k), "model",
             "dequantize_fp8_blocks: scale_inv is ", scale_inv.describe(), ", expected f32",
             shape_str(fp8_scale_shape(format, n, k)));
  Tensor out = Tensor::empty({n, k}, DType::F32);
  const fp8e4m3* in = q.data<fp8e4m3>();
  const float* s = scale_inv.data<float>();
  float* o = out.data<float>();
  const int64_t scale_cols = scale_inv.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    const float* row_scales = s + (i / format.block_rows) * scale_cols;
    for (int64_t j = 0; j < k; ++j) o[i * k + j] = to_float(in[i * k + j]) * row_scales[j / format.block_cols];
  }
  return out;
}

Fp8Weight quantize_fp8_blocks(const Tensor& w) {
  const QuantizedTensor qt = quantize_fp8(w, QuantLayout::Block128x128);
  const Shape scale_shape = fp8_scale_shape(Fp8CheckpointFormat{}, qt.rows, qt.cols);
  // The kernel's scales are [Rb][ld] with ld padded to a multiple of 4 for cuBLASLt: drop the padding.
  Fp8Weight out{qt.data.to(Device::CPU), Tensor::empty(scale_shape, DType::F32)};
  const Tensor padded = qt.scales.to(Device::CPU);
  const int64_t ld = block_scale_ld(qt.cols);
  for (int64_t r = 0; r < scale_shape[0]; ++r)
    std::memcpy(out.scale_inv.data<float>() + r * scale_shape[1], padded.data<float>() + r * ld,
                size_t(scale_shape[1]) * sizeof(float));
  return out;
}

}  // namespace rlvr::model
