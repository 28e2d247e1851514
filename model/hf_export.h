// Writing a model as a Hugging Face directory that transformers loads as the same architecture:
// config.json from ModelConfig::to_json (refused where the transformers class of that model_type
// would drop one of rlvr's switches), the weights in F32, BF16 or block-scaled FP8 with
// `_scale_inv` and a quantization_config, in one model.safetensors or in shards with an index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/transformer.h"

namespace rlvr::model {

struct HfExportOptions {
  Precision dtype = Precision::BF16;  // the stored weights' precision (parse_precision: "bf16", ...)
  uint64_t max_shard_bytes = 5'000'000'000;  // transformers' default max_shard_size, "5GB"
};

// The weights as written: FP32 as trained; BF16 rounds to nearest even; FP8 stores every Linear
// weight as E4M3 128x128 blocks plus its F32 scale_inv and the rest in BF16. The expert selection
// bias (e_score_correction_bias) stays F32 in every dtype, as DeepSeek-V3's checkpoints hold it:
// rounding it would reorder near-tied experts.
struct HfTensors {
  TensorMap tensors;
  std::vector<std::string> unquantized_modules;  // FP8: the matrices kept in BF16 ("lm_head", ...)
};
HfTensors hf_tensors(Transformer& m, Precision dtype);

// config.json for those tensors: to_json() plus the dtype and, for FP8, the quantization_config.
nlohmann::json hf_config_json(const ModelConfig& cfg, const HfTensors& tensors, Precision dtype);

// Writes config.json and the weights into dir (which must exist): model.safetensors, or shards of
// at most max_shard_bytes and model.safetensors.index.json. Returns the safetensors files.
std::vector<std::string> write_hf_model(Transformer& m, const std::string& dir, const HfExportOptions& options);

}  // namespace rlvr::model
