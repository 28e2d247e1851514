// Resolving a device name (see device_choice.h).
#include "kernels/device_choice.h"

#include "common/error.h"
#include "kernels/tensor.h"

namespace rlvr {

Device resolve_device(std::string_view name, const std::string& component, const std::string& setting) {
  if (name == "cpu") return Device::CPU;
  if (name == "auto") return cuda_available() ? Device::CUDA : Device::CPU;
  RLVR_CHECK(name == "cuda", component, setting, " must be auto, cpu or cuda, got '", name, "'");
  RLVR_CHECK(cuda_available(), component, setting, " = \"cuda\": ",
             "no CUDA device is present (or this build has no CUDA backend)");
  return Device::CUDA;
}

}  // namespace rlvr
