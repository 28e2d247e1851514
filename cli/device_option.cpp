// Resolves --device auto|cpu|cuda against the build and the machine.
#include "cli/device_option.h"

#include <cstdio>

#include "common/error.h"
#include "kernels/gemm.h"
#include "kernels/tensor.h"

namespace rlvr::cli {

Device parse_device_option(const std::string& value) {
  if (value == "cpu") return Device::CPU;
  if (value == "auto") return cuda_available() ? Device::CUDA : Device::CPU;
  RLVR_CHECK(value == "cuda", "cli", "--device must be auto, cpu or cuda, got '", value, "'");
  RLVR_CHECK(cuda_available(), "cli", "--device cuda: ", "no CUDA device is present (or this build has no CUDA backend)");
  return Device::CUDA;
}

void place_model(model::Transformer& m, Device device) {
  m.to(device);
  if (const std::string hint = blas_kernel_hint(); device == Device::CPU && !hint.empty())
    std::fprintf(stderr, "note: %s\n", hint.c_str());
}

}  // namespace rlvr::cli
