// Private to kernels/cpu/: the FP8 GEMM on Intel AMX tiles. E4M3 values are exact in BF16, so
// the tiles multiply the codes exactly and sum each 128-wide K block in FP32; the block sum is
// then scaled by its two scales and added to the output, the way a block-scaled FP8 GEMM on a
// GPU (cuBLASLt) does. It differs from dequantize-then-sgemm (gemm_cpu.cpp) only in rounding
// order: each product there is scaled before it is summed.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace rlvr::cpu {

// RLVR_CPU_AMX=1 is set, the CPU has AMX-BF16 and the kernel granted this process the tile state
// (asked once). Opt-in: its rounding order differs from the default path's, and the default job's
// held-out accuracy, which swings with rounding-level changes, ended at 0.85 with it on
// (BENCHMARKS.md, 2026-12-03).
bool amx_available();

// y[M, N] (F32, row stride ldy) = (y +) sum over K blocks of scale_a(m, kb) * scale_b(n, kb) *
// sum_k a(m, k) b(n, k), for a [M, K] and b [N, K] as stored (QuantizedTensor::stored_*).
// Requires amx_available().
void gemm_fp8_amx(float* y, int64_t ldy, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate);

}  // namespace rlvr::cpu
