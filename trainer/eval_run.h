// `rlvr eval`: generation and verifiers over an evaluation set with a checkpoint's weights (or
// the config's model), no training. Writes a run directory that `rlvr logs` reads: the resolved
// config.toml, one eval line in metrics.jsonl, one rollouts.jsonl line per sample.
#pragma once

#include <ostream>
#include <string>

#include "trainer/run_config.h"

namespace rlvr::trainer {

struct EvalOptions {
  std::string checkpoint;  // a checkpoint directory, or a name under the config's run's checkpoints/
  std::string data;        // JSONL evaluated instead of the config's eval set (data.eval / held out)
  std::string run_dir;     // empty: <the config's run directory>/eval_<checkpoint name, or "init">
  std::ostream* progress = nullptr;
};

struct EvalResult {
  std::string run_dir;
  double accuracy = 0;
  int64_t samples = 0, step = 0;  // step: the checkpoint's GRPO steps (0 without one)
  int rank = 0;
};

EvalResult evaluate(RunConfig cfg, const EvalOptions& options);

}  // namespace rlvr::trainer
