// Loading a model directory: config.json plus model.safetensors or a sharded index, in F32, BF16
// or block-scaled FP8 (model/checkpoint_tensors.h).
#include <filesystem>

#include "model/checkpoint_tensors.h"
#include "model/transformer.h"

namespace rlvr::model {

Transformer Transformer::from_dir(const std::string& dir, ExpertRange experts) {
  const std::filesystem::path root(dir);
  RLVR_CHECK(std::filesystem::is_directory(root), "model", "model directory does not exist: ", dir);
  const std::string config_path = (root / "config.json").string();
  const nlohmann::json config = ModelConfig::read_json(config_path);
  Transformer m(ModelConfig::from_json(config, config_path), experts);
  CheckpointTensors tensors = CheckpointTensors::open(dir, config, config_path);
  // Multi-token-prediction layers: kept, not run (an FP8 weight dequantized like the others).
  for (const std::string& name : tensors.names())
    if (is_mtp_weight(m.cfg_, name)) add_mtp_weight(m.cfg_, m.w_, name, tensors.shape(name));
  load_weights(m.cfg_, m.w_, [&](const std::string& name, const Shape& shape) { return tensors.load(name, shape); });
  // A share of the experts leaves the others' tensors unread on purpose.
  if (experts.all(m.cfg_)) tensors.check_all_used();
  return m;
}

}  // namespace rlvr::model
