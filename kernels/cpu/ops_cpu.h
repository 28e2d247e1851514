// CPU implementations of every op of kernels/backend_ops.h (declared from that list), reached
// through the CPU backend's table after the public ops' argument checks, so they assume valid,
// CPU-resident arguments. Shapes: see the public headers (kernels/ops_*.h, gemm.h, quantize.h).
#pragma once

#include "kernels/backend_ops.h"

namespace rlvr::cpu {

RLVR_BACKEND_OPS(RLVR_BACKEND_DECLARE)

}  // namespace rlvr::cpu
