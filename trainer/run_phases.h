// Private to trainer/: one step of each phase of a run, on the run's context. The loop around
// them (stopping, checkpoints, evaluation cadence, resume) is train_run.cpp's.
#pragma once

#include "trainer/run_context.h"

namespace rlvr::trainer {

// One SFT step: this rank's share of the next batch, one optimizer step, the metrics line and
// the progress line (run_sft.cpp).
void run_sft_step(RunContext& run);
// One GRPO step: roll out and score this rank's prompts, group advantages, the policy update,
// the metrics line, one rollouts.jsonl line per sample of the whole batch, progress (run_rl.cpp).
void run_rl_step(RunContext& run);
// Generation and verifiers over the eval set at the current weights; writes the eval line (and,
// with log_samples, one rollouts.jsonl line per sample) and returns the accuracy over the whole
// set (run_eval.cpp).
double run_evaluation(RunContext& run, bool log_samples = false);

// The progress line's "time left" at the run's current step.
std::string run_eta(const RunContext& run);

}  // namespace rlvr::trainer
