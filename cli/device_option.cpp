// The --device option (resolved by kernels/device_choice.h) and placing a model on the device.
#include "cli/device_option.h"

#include <cstdio>

#include "kernels/device_choice.h"
#include "kernels/gemm.h"

namespace rlvr::cli {

Device parse_device_option(const std::string& value) { return resolve_device(value, "cli", "--device"); }

void place_model(model::Transformer& m, Device device) {
  m.to(device);
  if (const std::string hint = blas_kernel_hint(); device == Device::CPU && !hint.empty())
    std::fprintf(stderr, "note: %s\n", hint.c_str());
}

}  // namespace rlvr::cli
