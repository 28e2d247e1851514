// Loading a model directory: config.json plus model.safetensors or a sharded index, in F32, BF16
// or block-scaled FP8 (model/checkpoint_tensors.h).
#include <filesystem>
#include <fstream>

#include "model/checkpoint_tensors.h"
#include "model/transformer.h"

namespace rlvr::model {

Transformer Transformer::from_dir(const std::string& dir) {
  const std::filesystem::path root(dir);
  RLVR_CHECK(std::filesystem::is_directory(root), "model", "model directory does not exist: ", dir);
  const std::string config_path = (root / "config.json").string();
  std::ifstream in(config_path);
  RLVR_CHECK(in.good(), "model", "cannot open model config: ", config_path);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    RLVR_FAIL("model", "config is not valid JSON", config_path, ": ", e.what());
  }
  Transformer m(ModelConfig::from_json(config, config_path));
  CheckpointTensors tensors = CheckpointTensors::open(dir, config, config_path);
  load_weights(m.cfg_, m.w_, [&](const std::string& name, const Shape& shape) { return tensors.load(name, shape); });
  tensors.check_all_used();
  return m;
}

}  // namespace rlvr::model
