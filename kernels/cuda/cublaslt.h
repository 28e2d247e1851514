// The one owner of cuBLASLt state: handle, workspace, and a cache of matmul descriptors plus
// the heuristic's algorithm per GEMM shape. It implements the CUDA backend's GEMMs (declared in
// kernels/cuda/ops_cuda.h from the op list):
//   cuda::gemm     Y[M,N] (F32, row-major) (+)= op(A)·op(B); a, b both F32 or both BF16.
//   cuda::gemm_fp8 Y[M,N] (F32 or BF16) (+)= A[M,K]·B[N,K]^T over the stored FP8 operands, scaled
//                  per tile: VEC128_32F for 1x128 / 128x1 tiles, BLK128x128_32F for 128x128 blocks
//                  (kernels/quantize.h already stores both exactly as cuBLASLt reads them).
// gemm_fp8 throws, naming the operand, for the constraints cuBLASLt has on Hopper (measured on an
// H100; docs/gpu.md): a tile-scaled operand needs a row count that is a multiple of 4, K a
// multiple of 16, 16-byte aligned pointers, and 128x128 x 128x128 is not a pairing it offers.
#pragma once

#include <string>

namespace rlvr::cuda {

// What the cache holds, for logs and the GPU benchmark: "N shapes cached, workspace X MiB".
std::string cublaslt_describe();

}  // namespace rlvr::cuda
