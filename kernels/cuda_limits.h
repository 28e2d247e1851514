// What the CUDA backend cannot do that the CPU can: the kernels refuse these at the call, and a
// run config with run.device = "cuda" is checked against them before any work starts
// (trainer/config_checks_cuda.cpp). Usable without the CUDA backend.
#pragma once

namespace rlvr::cuda_limits {

constexpr int kMaxHeadDim = 256;       // attention: one head's row in each lane's registers
constexpr int kMaxRoutingTopK = 64;    // topk_route_backward: the selection in one thread's array
                                       // (routing_cuda.cu's kMaxTopK)
constexpr int kMaxSamplingTopK = 1024;  // sample_tokens: the candidates in one block's arrays
// cuBLASLt's block-scaled FP8 GEMMs: the reduction width K a multiple of 16, and a 128x1-tile
// operand's row count a multiple of 4, so every width of an FP8 Linear a multiple of 16 (token
// counts are padded by the model).
constexpr int kFp8WidthMultiple = 16;

}  // namespace rlvr::cuda_limits
