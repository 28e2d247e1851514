// CPU implementations of every op of kernels/backend_ops.h (declared from that list), reached
// through the CPU backend's table after the public ops' argument checks, so they assume valid,
// CPU-resident arguments. Shapes: see the public headers (kernels/ops_*.h, gemm.h, quantize.h).
#pragma once

#include "kernels/backend_ops.h"
#include "kernels/ops_attention.h"

namespace rlvr::cpu {

RLVR_BACKEND_OPS(RLVR_BACKEND_DECLARE)

// CPU ops outside the backend table (their public op calls them for CPU tensors only).
void attention_forward_sequences(std::vector<AttentionSequence>& seqs, int n_heads, int n_kv_heads, float scale);

}  // namespace rlvr::cpu
