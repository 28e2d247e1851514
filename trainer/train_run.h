// `rlvr train`: the whole run. SFT warm-up (optional), then GRPO steps: sample prompts, roll out
// G completions each with the FP8 rollout weights, score them, compute group advantages, update
// the policy, log, evaluate and checkpoint. Stops cleanly (checkpoint first) on SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "trainer/run_config.h"

namespace rlvr::trainer {

struct TrainOptions {
  std::string run_dir;      // empty: run.run_dir, else runs/<run.name>
  bool resume = false;      // continue from the newest checkpoint of run_dir ...
  std::string resume_from;  // ... or from this one (a name such as rl_step_200, or a directory)
  std::ostream* progress = nullptr;  // progress lines (null: none)
  // Tests: behave as if SIGTERM arrived once this many steps (SFT + GRPO) are done.
  int64_t stop_after_global_step = -1;
};

struct TrainResult {
  std::string run_dir;
  int64_t sft_steps = 0, rl_steps = 0;
  bool interrupted = false;
  int rank = 0, world = 1;  // data parallel: this process's rank of `world`
  double first_eval_accuracy = -1, last_eval_accuracy = -1;  // -1: no evaluation ran
  size_t peak_tensor_bytes = 0;  // the most tensor storage held at once (host, or the GPU's)
  // What this rank's routed experts hold at the end: values, gradients, low-precision copies and
  // their optimizer moments (the memory plan's `experts`).
  size_t expert_bytes = 0;
  // The KL reference's tensors at the end (algorithm.reference_dtype; 0 without kl_coef).
  size_t reference_bytes = 0;
  // What this rank holds between steps: the policy's parameters (values, gradients, copies; with
  // run.shard_params only those ZeRO does not update) and the optimizer's state but the routed
  // experts' moments (the memory plan's `optimizer`).
  size_t param_bytes = 0, optimizer_bytes = 0;
};

TrainResult train(const RunConfig& cfg, const TrainOptions& options);

// The run directory train() would use.
std::string resolve_run_dir(const RunConfig& cfg, const TrainOptions& options);

}  // namespace rlvr::trainer
