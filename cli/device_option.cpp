// Resolves --device auto|cpu|cuda against the build and the machine.
#include "cli/device_option.h"

#include "common/error.h"
#include "kernels/tensor.h"

namespace rlvr::cli {

Device parse_device_option(const std::string& value) {
  if (value == "cpu") return Device::CPU;
  if (value == "auto") return cuda_available() ? Device::CUDA : Device::CPU;
  RLVR_CHECK(value == "cuda", "cli", "--device must be auto, cpu or cuda, got '", value, "'");
  RLVR_CHECK(cuda_available(), "cli", "--device cuda: ", "no CUDA device is present (or this build has no CUDA backend)");
  return Device::CUDA;
}

}  // namespace rlvr::cli
