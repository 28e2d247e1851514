// The memory one rank of a run holds, item by item, computed from the config before any work:
// `rlvr validate` and the start of `rlvr train` print it as one line,
//   memory per rank: experts 1.2 GiB, dense 300 MiB, optimizer ..., total 9.8 GiB
// and a run whose total exceeds its device (run.device_memory_gb, else the GPU's memory) is
// refused naming the largest item and the setting that shrinks it.
//
// What it counts is what the implementation holds today: every rank keeps every parameter (F32
// value and gradient, the FP8/BF16 copies its precisions read) but, with run.expert_parallel,
// only its 1/ranks of the routed experts (their moments with them; `gathered`: the whole model
// rollout gathers), the optimizer's FP32 masters, BF16 moments and summed gradients are split
// across data-parallel ranks (ZeRO-1, plus its flat FP32 buffer of the whole model), or with
// run.shard_params (ZeRO-3) the parameters too: one decoder layer whole at a time (`dense`,
// `experts`), the whole model only for the rollout (`gathered`); activations are one micro-batch's forward cache
// plus its logits and their gradient, the rollout's KV cache is F32, the KL reference holds its
// Linears as algorithm.reference_dtype says (the rest F32).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

struct MemoryItem {
  std::string name;
  uint64_t bytes = 0;
  std::string shrink;  // the setting that makes it smaller
};

struct MemoryPlan {
  // experts, dense, optimizer, activations[, gathered], kv_cache[, generator][, reference]
  std::vector<MemoryItem> items;
  uint64_t total() const;
  const MemoryItem& largest() const;
  uint64_t bytes_of(const std::string& name) const;  // 0 when the plan has no such item
  std::string line() const;  // "memory per rank: NAME SIZE, ..., total SIZE"
};

// Parameters of the model by kind (the counts list_params would give, without allocating).
struct ParamCounts {
  int64_t routed_experts = 0;  // the routed experts' matrices of every MoE layer
  int64_t dense_linear = 0;    // every other Linear weight (attention, dense MLPs, shared experts)
  int64_t other = 0;           // embeddings, output head, norms, router, selection bias
  int64_t total() const { return routed_experts + dense_linear + other; }
};
ParamCounts count_params(const model::ModelConfig& cfg);
ParamCounts count_layer_params(const model::ModelConfig& cfg, int layer);  // decoder layer `layer`'s

// Bytes the forward keeps for backward per token (model::ForwardCache::activation_bytes over
// the number of tokens), with every MoE layer routing each token to num_experts_per_tok experts.
uint64_t activation_bytes_per_token(const model::ModelConfig& cfg, model::Precision precision);

MemoryPlan memory_plan(const RunConfig& cfg, const model::ModelConfig& model, int ranks);
// The plan of the config's own model: [model.init] (vocab_size 0: the tokenizer's) or model.path's
// config.json.
MemoryPlan memory_plan(const RunConfig& cfg, int ranks);
// What one rank may hold: run.device_memory_gb, else on CUDA the GPU's memory, else 0 (no
// limit); `what` says which ("run.device_memory_gb = 80", "the GPU's memory").
uint64_t device_memory_limit(const RunConfig& cfg, std::string& what);
// run.device_memory_gb alone (0 when unset): what `rlvr validate` can check on another machine.
uint64_t configured_memory_limit(const RunConfig& cfg, std::string& what);

// "512 B", "1.5 KiB", "300 MiB", "9.8 GiB".
std::string format_bytes(uint64_t bytes);

// Refuses a plan whose total exceeds device_bytes (0: nothing to check) before any work;
// `device` says what the limit is ("run.device_memory_gb = 80", "the GPU's 139.8 GiB").
void check_memory_fits(const MemoryPlan& plan, uint64_t device_bytes, const std::string& device);

}  // namespace rlvr::trainer
