// The frozen KL reference policy (algorithm.kl_coef > 0) as algorithm.reference_dtype holds it:
// fp32 keeps every F32 master weight and scores in precision.train, as the policy does (the copies
// that precision reads are built on first use); bf16 and fp8 keep of each Linear weight only its
// BF16 copy / FP8 128x128-block copy and score in that precision. Embeddings, the output head,
// norms, routers and the selection bias stay F32 whatever the dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/transformer.h"

namespace rlvr::trainer {

// The precision the reference's log-probs are computed in; nullopt (fp32): the learner's.
std::optional<model::Precision> reference_precision(const std::string& dtype);

// Releases what the dtype does not keep; call once the reference's weights are in place on their
// device (they cannot change, move or be rebuilt afterwards).
void keep_reference_as(model::Transformer& ref, const std::string& dtype);

// Bytes a model's tensors hold: parameter values and gradients, the Linears' low-precision copies
// (with routed_experts_only, those of the routed experts' parameters alone).
uint64_t held_tensor_bytes(model::Transformer& m, bool routed_experts_only = false);

}  // namespace rlvr::trainer
