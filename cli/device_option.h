// The --device option of the commands that run a model: auto (CUDA when a GPU is present), cpu
// or cuda.
#pragma once

#include <string>

#include "kernels/dtype.h"
#include "model/transformer.h"

namespace rlvr::cli {

Device parse_device_option(const std::string& value);

// Moves the model to `device`; on the CPU, prints the note of blas_kernel_hint() when OpenBLAS
// runs generic kernels.
void place_model(model::Transformer& m, Device device);

}  // namespace rlvr::cli
