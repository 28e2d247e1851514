// CheckpointTensors: every tensor of a checkpoint checked once at open, then loaded as F32.
#include "model/checkpoint_tensors.h"

#include "common/error.h"

namespace rlvr::model {

namespace {

const std::string kScaleSuffix = fp8_scale_name("");

// Buffers older transformers saved beside the weights; rlvr derives them from the config as
// transformers does, so they carry nothing of their own.
bool is_derived_buffer(const std::string& name) { return name.ends_with(".rotary_emb.inv_freq"); }

}  // namespace

CheckpointTensors CheckpointTensors::open(const std::string& dir, const nlohmann::json& config,
                                          const std::string& source) {
  CheckpointTensors t;
  t.dir_ = dir;
  t.store_ = WeightStore::open(dir);
  t.fp8_ = Fp8CheckpointFormat::from_config(config, source);
  for (const std::string& name : t.store_.names()) t.check_tensor(name);
  return t;
}

void CheckpointTensors::check_tensor(const std::string& name) const {
  const TensorInfo& info = store_.info(name);
  if (name.ends_with(kScaleSuffix)) {
    const std::string weight = name.substr(0, name.size() - kScaleSuffix.size());
    RLVR_CHECK(store_.has(weight) && store_.info(weight).dtype == StDType::F8_E4M3, "model",
               "unsupported checkpoint tensor: ", dir_, ": '", name, "' is a scale but '", weight,
               "' is not an F8_E4M3 weight in the checkpoint");
    return;  // checked with its weight
  }
  switch (info.dtype) {
    case StDType::F32:
    case StDType::BF16:
    case StDType::F16:
    case StDType::I32:
    case StDType::I64: return;  // integer tensors are refused if a parameter asks for one
    case StDType::F8_E5M2:
      RLVR_FAIL("model", "unsupported checkpoint tensor", dir_, ": '", name,
                "' is F8_E5M2; rlvr loads FP8 weights in E4M3 with block scales");
    case StDType::F8_E4M3: break;
  }
  RLVR_CHECK(fp8_.has_value(), "model", "unsupported checkpoint tensor: ", dir_, ": '", name,
             "' is F8_E4M3 but config.json has no quantization_config to say how its scales apply");
  const std::string scale = fp8_scale_name(name);
  RLVR_CHECK(store_.has(scale), "model", "unsupported checkpoint tensor: ", dir_, ": FP8 weight '", name,
             "' has no '", scale, "' (rlvr does not load FP8 values without their scales)");
  RLVR_CHECK(!fp8_->keeps_unquantized(name), "model", "unsupported checkpoint tensor: ", dir_, ": '", name,
             "' is F8_E4M3 but quantization_config.modules_to_not_convert says its module is not quantized");
  RLVR_CHECK(info.shape.size() == 2, "model", "unsupported checkpoint tensor: ", dir_, ": FP8 weight '", name,
             "' has shape ", shape_str(info.shape), "; block scales apply to matrices [N, K]");
  const TensorInfo& s = store_.info(scale);
  const Shape want = fp8_scale_shape(*fp8_, info.shape[0], info.shape[1]);
  RLVR_CHECK(s.shape == want, "model", "unsupported checkpoint tensor: ", dir_, ": '", scale, "' has shape ",
             shape_str(s.shape), "; ", fp8_->block_rows, "x", fp8_->block_cols, " blocks of ", shape_str(info.shape),
             " need ", shape_str(want));
  RLVR_CHECK(s.dtype == StDType::F32 || s.dtype == StDType::BF16 || s.dtype == StDType::F16, "model",
             "unsupported checkpoint tensor: ", dir_, ": '", scale, "' is ", st_dtype_name(s.dtype),
             ", expected a floating-point scale");
}

std::vector<std::string> CheckpointTensors::names() const {
  std::vector<std::string> out;
  for (const std::string& name : store_.names())
    if (!name.ends_with(kScaleSuffix)) out.push_back(name);
  return out;
}

bool CheckpointTensors::has(const std::string& name) const { return store_.has(name) && !name.ends_with(kScaleSuffix); }

Shape CheckpointTensors::shape(const std::string& name) const { return store_.info(name).shape; }

Tensor CheckpointTensors::load(const std::string& name, const Shape& shape) {
  RLVR_CHECK(has(name), "model", "weight missing from the checkpoint: ", dir_, ": ", name);
  const TensorInfo& info = store_.info(name);
  RLVR_CHECK(info.shape == shape, "model", "weight has the wrong shape: ", dir_, ": ", name, " is ",
             shape_str(info.shape), ", the config implies ", shape_str(shape));
  used_.insert(name);
  switch (info.dtype) {
    case StDType::F32:
    case StDType::F16: return store_.load(name);  // F16 loads as F32
    case StDType::BF16: return store_.load(name).to(DType::F32);
    case StDType::F8_E4M3: {
      const Tensor scale = store_.load(fp8_scale_name(name));
      const Tensor scale_f32 = scale.dtype() == DType::F32 ? scale : scale.to(DType::F32);
      return dequantize_fp8_blocks(store_.load(name), scale_f32, *fp8_);
    }
    default:
      RLVR_FAIL("model", "unsupported checkpoint tensor", dir_, ": '", name, "' is ", st_dtype_name(info.dtype),
                "; a parameter needs floating-point values");
  }
}

void CheckpointTensors::check_all_used() const {
  std::vector<std::string> unused;
  for (const std::string& name : names())
    if (!used_.count(name) && !is_derived_buffer(name)) unused.push_back(name);
  if (unused.empty()) return;
  std::string list;
  for (size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", '" : "'") + unused[i] + "'";
  if (unused.size() > 5) list += cat(" and ", unused.size() - 5, " more");
  RLVR_FAIL("model", "checkpoint tensors the model does not use", dir_, ": ", list,
            " (a layer or bias config.json does not describe, or another architecture)");
}

}  // namespace rlvr::model
