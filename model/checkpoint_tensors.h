// The tensors of a Hugging Face model directory as the F32 values of rlvr's parameters: F32,
// BF16 and F16 widen exactly; an E4M3 weight with its `<name>_scale_inv` dequantizes as
// config.json's quantization_config says (model/fp8_checkpoint.h). Anything else (an FP8 weight
// without its scale, a scale without its weight, E5M2, an integer tensor, a tensor the model does
// not use) is an error naming the tensor, never a silent cast or a silent ignore.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/fp8_checkpoint.h"
#include "model/safetensors.h"

namespace rlvr::model {

class CheckpointTensors {
 public:
  // dir holds model.safetensors or a sharded index; config is its config.json (source names it).
  static CheckpointTensors open(const std::string& dir, const nlohmann::json& config, const std::string& source);

  // The weights, without their scale companions (sorted).
  std::vector<std::string> names() const;
  bool has(const std::string& name) const;
  Shape shape(const std::string& name) const;
  const std::optional<Fp8CheckpointFormat>& fp8() const { return fp8_; }

  // The F32 values of `name`, which must have `shape`; marks it used.
  Tensor load(const std::string& name, const Shape& shape);
  // Throws naming the tensors no load() asked for (the model would silently lack them).
  void check_all_used() const;

 private:
  void check_tensor(const std::string& name) const;
  std::string dir_;
  WeightStore store_;
  std::optional<Fp8CheckpointFormat> fp8_;
  std::set<std::string> used_;
};

}  // namespace rlvr::model
