// The CPU backend's function table: every op of kernels/backend_ops.h, from kernels/cpu/.
#include "kernels/cpu/ops_cpu.h"
#include "kernels/ops_dispatch.h"

namespace rlvr {

namespace cpu {
constexpr detail::Backend kTable{RLVR_BACKEND_OPS(RLVR_BACKEND_ENTRY)};
}

const detail::Backend& detail::cpu_backend() { return cpu::kTable; }

}  // namespace rlvr
