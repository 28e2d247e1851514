// CUDA implementations of every op of kernels/backend_ops.h (declared from that list), one op
// family per kernels/cuda/*.cu file (GEMMs in cublaslt.cpp), reached through the CUDA backend's
// table after the public ops have checked shapes, dtypes and that all tensors are on CUDA.
#pragma once

#include "kernels/backend_ops.h"

namespace rlvr::cuda {

RLVR_BACKEND_OPS(RLVR_BACKEND_DECLARE)

}  // namespace rlvr::cuda
