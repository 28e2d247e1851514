// Block-scaled FP8 weights as Hugging Face checkpoints hold them (DeepSeek-V3, transformers'
// "fp8" quantization): config.json's quantization_config, and the two directions between an E4M3
// weight with its `<name>_scale_inv` and the F32 values it stands for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/tensor.h"
#include "model/safetensors.h"

namespace rlvr::model {

// quantization_config {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
// "weight_block_size": [bn, bk], "modules_to_not_convert": [...]}: each FP8 weight [N, K] has an
// F32 (or BF16) scale_inv [ceil(N/bn), ceil(K/bk)], one factor per block, q * scale_inv = value.
struct Fp8CheckpointFormat {
  int64_t block_rows = kFp8WeightBlock, block_cols = kFp8WeightBlock;
  std::vector<std::string> modules_to_not_convert;

  // Whether weight `name` ("<module>.weight") belongs to a module of modules_to_not_convert: an
  // entry matches whole dot-separated parts of the module path ("lm_head", "mlp.gate",
  // "model.layers.0.mlp.gate"), so "mlp.gate" does not match "mlp.gate_proj".
  bool keeps_unquantized(const std::string& weight_name) const;
  nlohmann::json to_json() const;
  // nullopt when config.json has no quantization_config. A quantization method, format, scale
  // layout, activation scheme or field rlvr does not implement is an error naming the field.
  static std::optional<Fp8CheckpointFormat> from_config(const nlohmann::json& config, const std::string& source);
};

// The module a weight belongs to, as modules_to_not_convert names it: "lm_head.weight" -> "lm_head".
std::string module_of_weight(const std::string& weight_name);

// The scale_inv shape of a [rows, cols] weight in this format.
Shape fp8_scale_shape(const Fp8CheckpointFormat& format, int64_t rows, int64_t cols);

// q (E4M3 [N, K]) times its block's scale_inv (F32), in F32: q converts exactly, so each value is
// one correctly rounded product, as transformers' dequantization computes it.
Tensor dequantize_fp8_blocks(const Tensor& q, const Tensor& scale_inv, const Fp8CheckpointFormat& format);

// w (F32 [N, K], CPU) in 128x128 blocks, scale_inv = amax / 448 per block (the layout
// Fp8CheckpointFormat's defaults describe): E4M3 [N, K] and F32 [ceil(N/128), ceil(K/128)].
Fp8Weight quantize_fp8_blocks(const Tensor& w);

}  // namespace rlvr::model
