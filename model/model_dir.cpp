// Loading a model directory: config.json plus model.safetensors or a sharded index.
#include <filesystem>

#include "model/safetensors.h"
#include "model/transformer.h"

namespace rlvr::model {

Transformer Transformer::from_dir(const std::string& dir) {
  const std::filesystem::path root(dir);
  RLVR_CHECK(std::filesystem::is_directory(root), "model", "model directory does not exist: ", dir);
  Transformer m(ModelConfig::load((root / "config.json").string()));
  const WeightStore store = WeightStore::open(dir);
  // Multi-token-prediction layers: kept, not run (an FP8 weight's scales load with it).
  for (const std::string& name : store.names())
    if (is_mtp_weight(m.cfg_, name) && !name.ends_with(fp8_scale_name("")))
      add_mtp_weight(m.cfg_, m.w_, name, store.info(name).shape);
  load_weights(m.cfg_, m.w_, [&](const std::string& name, const Shape& shape) {
    RLVR_CHECK(store.has(name), "model", "weight missing from the checkpoint: ", dir, ": ", name);
    const TensorInfo& info = store.info(name);
    RLVR_CHECK(info.shape == shape, "model", "weight has the wrong shape: ", dir, ": ", name, " is ",
               shape_str(info.shape), ", the config implies ", shape_str(shape));
    return store.load(name);
  });
  return m;
}

}  // namespace rlvr::model
