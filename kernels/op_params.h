// The parameter and operand types of the op set besides Tensor: routing, permutation, sampling,
// AdamW and FP8 quantization. The public op headers and the backend op list
// (kernels/backend_ops.h) include this, so the dispatch layer needs no public op header.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr {

// ---- MoE routing and permutation (kernels/ops_moe.h) -----------------------------------------

enum class RouterScoring { Softmax, Sigmoid };

struct RoutingConfig {
  int top_k = 2;
  RouterScoring scoring = RouterScoring::Softmax;
  bool normalize = true;  // gates /= sum of the k selected scores
  float scaling = 1.0f;   // gates *= routed_scaling_factor
  // Group-limited selection (DeepSeek-V3): the experts form n_group equal groups of consecutive
  // ids; only the experts of the topk_group best groups can be chosen. 1, 1: no limit.
  int n_group = 1, topk_group = 1;
};

// Rows grouped by expert: expert e owns rows [offsets[e], offsets[e+1]), its tokens in token
// order, its row count padded up to a multiple of pad_to; padded rows hold zeros and map to no
// token. offsets lives on the host whatever the device of the tensors.
struct Permutation {
  int n_experts = 0, top_k = 0;
  int64_t n_tokens = 0;
  std::vector<int64_t> offsets;  // [E+1]; offsets[E] = R, the number of rows
  Tensor row_of_slot;            // i32 [T*k]: row of (token t, choice j) at index t*k+j
  Tensor token_of_row;           // i32 [R]: -1 for padding rows
  int64_t n_rows() const { return offsets.empty() ? 0 : offsets.back(); }
};

// ---- Rotary position embedding (kernels/ops_rope.h) -------------------------------------------

struct RopeParams {
  int head_dim = 0;                // D, even: every head of D elements rotates as a whole
  std::vector<float> inv_freq;     // [D/2]: pair i turns by position * inv_freq[i]
  float attention_scaling = 1.0f;  // cos and sin are multiplied by it (YaRN's attention factor)
  bool interleaved = false;        // pairs (2i, 2i+1); false: rotate_half's (i, i + D/2)
};

// ---- Sampling (kernels/ops_sampling.h) --------------------------------------------------------

struct SamplingParams {
  float temperature = 1.0f;  // 0 = greedy (so is one small enough to overflow logits / temperature)
  int top_k = 0;             // 0 = off
  float top_p = 1.0f;        // in (0, 1]; 1 = off
  uint64_t seed = 0;
};

// ---- AdamW (kernels/ops_adamw.h) --------------------------------------------------------------

struct AdamWParams {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  int64_t step = 1;  // starts at 1, for bias correction
};

// ---- FP8 quantization (kernels/quantize.h describes the layouts) ------------------------------

enum class QuantLayout : uint8_t { Tile1x128, Tile128x1, Block128x128 };

struct QuantOptions {
  bool pow2_scales = false;  // round each scale up to a power of two
};

struct QuantizedTensor {
  Tensor data;    // E4M3, stored as the layout says (Tile128x1 stores the transpose)
  Tensor scales;  // F32, cuBLASLt layout (kernels/quantize.h)
  QuantLayout layout = QuantLayout::Tile1x128;
  int64_t rows = 0, cols = 0;  // the logical source matrix X[rows, cols]
  // Optional, CPU only: the stored matrix's F32 values (data times scales), which the CPU GEMM
  // multiplies. A weight keeps them until its next update (model/linear.h) rather than have
  // every GEMM call dequantize it again.
  Tensor dequantized;

  // The GEMM operand view: the stored matrix is [stored_rows, stored_k] with K contiguous.
  int64_t stored_rows() const { return layout == QuantLayout::Tile128x1 ? cols : rows; }
  int64_t stored_k() const { return layout == QuantLayout::Tile128x1 ? rows : cols; }
  // Scale applying to stored element (i, k).
  float stored_scale(int64_t i, int64_t k) const;
  size_t nbytes() const {
    return data.nbytes() + scales.nbytes() + (dequantized.defined() ? dequantized.nbytes() : 0);
  }
};

}  // namespace rlvr
