// The --device option of the commands that run a model: auto (CUDA when a GPU is present), cpu
// or cuda.
#pragma once

#include <string>

#include "kernels/dtype.h"

namespace rlvr::cli {

Device parse_device_option(const std::string& value);

}  // namespace rlvr::cli
