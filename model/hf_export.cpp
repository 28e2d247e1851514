// Hugging Face export: the tensors in the chosen dtype, config.json, and the files written.
#include "model/hf_export.h"

#include <algorithm>

#include "common/error.h"
#include "model/atomic_file.h"
#include "model/fp8_checkpoint.h"

namespace rlvr::model {

namespace {

using json = nlohmann::json;

// The value the transformers class of a model_type implements for a field rlvr writes beside its
// own: any other value would load there as another model, silently.
struct ImplementedValue {
  const char* model_type;
  const char* field;
  const char* value;  // JSON
  const char* why;
};
constexpr ImplementedValue kImplemented[] = {
    {"qwen3_moe", "n_shared_experts", "0", "Qwen3MoeForCausalLM has no shared experts"},
    {"qwen3_moe", "scoring_func", "\"softmax\"", "Qwen3MoeForCausalLM routes by softmax"},
    {"qwen3_moe", "routed_scaling_factor", "1", "Qwen3MoeForCausalLM does not scale the routed output"},
    {"qwen3_moe", "n_group", "1", "Qwen3MoeForCausalLM has no group-limited routing"},
    {"qwen3_moe", "topk_group", "1", "Qwen3MoeForCausalLM has no group-limited routing"},
    {"deepseek_v3", "scoring_func", "\"sigmoid\"", "DeepseekV3ForCausalLM routes by sigmoid"},
    {"deepseek_v3", "mlp_only_layers", "[]", "DeepseekV3ForCausalLM's dense layers are the first first_k_dense_replace"},
    {"deepseek_v3", "decoder_sparse_step", "1", "DeepseekV3ForCausalLM's layers from first_k_dense_replace on are MoE"},
};

// A tensor the transformers class of a model_type does not have: it must hold zeros.
struct AbsentTensor {
  const char* model_type;
  const char* suffix;
  const char* why;
};
constexpr AbsentTensor kAbsent[] = {
    {"qwen3_moe", "e_score_correction_bias", "Qwen3MoeForCausalLM selects experts without a bias"},
};

const std::string kSelectionBias = ".mlp.gate.e_score_correction_bias";

void check_expressible(const json& config) {
  const std::string type = config.value("model_type", "");
  for (const ImplementedValue& v : kImplemented) {
    if (type != v.model_type || !config.contains(v.field)) continue;
    RLVR_CHECK(config[v.field] == json::parse(v.value), "model", "cannot export as ", type, ": '", v.field, "' = ",
               config[v.field].dump(), " (", v.why, ")");
  }
}

void check_absent_tensors(const std::string& type, const TensorMap& tensors) {
  for (const AbsentTensor& a : kAbsent) {
    if (type != a.model_type) continue;
    for (const auto& [name, t] : tensors) {
      if (!name.ends_with(a.suffix)) continue;
      const std::vector<float> v = t.to_floats();
      RLVR_CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; }), "model", "cannot export as ",
                 type, ": '", name, "' is not zero (", a.why, ")");
    }
  }
}

// transformers' spellings of what to_json() writes in older ones, so that either version reads it.
void add_current_spellings(json& config) {
  if (config.value("model_type", "") == "qwen3_moe") {
    if (config.contains("num_experts")) config["num_local_experts"] = config["num_experts"];
    // first_k_dense_replace is no Qwen3-MoE field: its dense layers go to mlp_only_layers.
    const int first_dense = config.value("first_k_dense_replace", 0);
    std::vector<int> dense = config.value("mlp_only_layers", std::vector<int>());
    for (int l = 0; l < first_dense; ++l)
      if (std::find(dense.begin(), dense.end(), l) == dense.end()) dense.push_back(l);
    std::sort(dense.begin(), dense.end());
    config["mlp_only_layers"] = dense;
    config["first_k_dense_replace"] = 0;
  }
  if (!config.contains("rope_parameters") && config.contains("rope_theta"))
    config["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", config["rope_theta"]}};
}

}  // namespace

HfTensors hf_tensors(Transformer& m, Precision dtype) {
  HfTensors out;
  for (const ParamRef& p : m.params()) {
    const Tensor value = p.value->to(Device::CPU);
    if (dtype == Precision::FP32 || p.name.ends_with(kSelectionBias)) {
      out.tensors.emplace(p.name, value);
      continue;
    }
    if (dtype == Precision::FP8 && p.is_linear()) {
      Fp8Weight q = quantize_fp8_blocks(value);
      out.tensors.emplace(fp8_scale_name(p.name), std::move(q.scale_inv));
      out.tensors.emplace(p.name, std::move(q.weight));
      continue;
    }
    if (dtype == Precision::FP8 && value.ndim() == 2) out.unquantized_modules.push_back(module_of_weight(p.name));
    out.tensors.emplace(p.name, value.to(DType::BF16));
  }
  return out;
}

json hf_config_json(const ModelConfig& cfg, const HfTensors& tensors, Precision dtype) {
  json config = cfg.to_json();
  check_expressible(config);
  check_absent_tensors(config.value("model_type", ""), tensors.tensors);
  add_current_spellings(config);
  const char* torch_dtype = dtype == Precision::FP32 ? "float32" : "bfloat16";
  config["dtype"] = torch_dtype;        // transformers 5
  config["torch_dtype"] = torch_dtype;  // transformers 4
  if (dtype == Precision::FP8) {
    Fp8CheckpointFormat format;
    format.modules_to_not_convert = tensors.unquantized_modules;
    config["quantization_config"] = format.to_json();
  }
  return config;
}

std::vector<std::string> write_hf_model(Transformer& m, const std::string& dir, const HfExportOptions& options) {
  const HfTensors tensors = hf_tensors(m, options.dtype);
  const json config = hf_config_json(m.config(), tensors, options.dtype);
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  uint64_t total = 0;
  for (const auto& [name, t] : tensors.tensors) total += t.nbytes();
  std::vector<std::string> files;
  if (total <= options.max_shard_bytes) {
    save_safetensors(dir + "/model.safetensors", tensors.tensors, metadata);
    files.push_back("model.safetensors");
  } else {
    files = save_safetensors_sharded(dir, tensors.tensors, options.max_shard_bytes, metadata);
  }
  write_file_atomic(dir + "/config.json", config.dump(2) + "\n");
  return files;
}

}  // namespace rlvr::model
