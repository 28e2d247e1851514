// The CUDA backend's function table: every op of kernels/backend_ops.h, from kernels/cuda/.
#include "kernels/cuda/ops_cuda.h"
#include "kernels/ops_dispatch.h"

namespace rlvr {

namespace cuda {
constexpr detail::Backend kTable{RLVR_BACKEND_OPS(RLVR_BACKEND_ENTRY)};
}

const detail::Backend* detail::cuda_backend() { return &cuda::kTable; }

}  // namespace rlvr
