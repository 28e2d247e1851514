// Several token sequences packed along the token dimension: the input of every forward.
// Attention never crosses a sequence boundary.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr::model {

struct Batch {
  Tensor tokens;                     // i32 [T]
  Tensor positions;                  // i32 [T], restarting at 0 for each sequence
  std::vector<int64_t> seq_offsets;  // [S+1], on the host
  // Router replay: another pass's expert choices (the rollout's), i32 [M, T, k] for the M MoE
  // layers, a row of -1 where a token has none; undefined: none. Compared with the live
  // routing (RouterStats), and taken instead of it when replay_routes.
  Tensor routes;
  bool replay_routes = false;
  int64_t n_tokens() const { return tokens.numel(); }
  size_t n_sequences() const { return seq_offsets.empty() ? 0 : seq_offsets.size() - 1; }
  static Batch pack(const std::vector<std::vector<int32_t>>& sequences);  // on the CPU
  Batch to(Device device) const;  // tokens and positions copied (shared when already there)
};

}  // namespace rlvr::model
