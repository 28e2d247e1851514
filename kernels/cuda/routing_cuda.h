// Private to kernels/cuda/: the per-expert count routing and the permutation both use.
#pragma once

#include "kernels/tensor.h"

namespace rlvr::cuda {

// i32 [E] on the device: how many (token, choice) slots picked each expert; throws naming `op`
// and the slot for an id outside [0, E).
Tensor count_experts(const Tensor& expert_ids, int64_t E, const char* op);

}  // namespace rlvr::cuda
