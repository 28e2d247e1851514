// A run directory as the trainer writes it (config.toml, metrics.jsonl, rollouts.jsonl,
// checkpoints/step_N/): locating its files, the config digest, the metrics of every step.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runlog/jsonl_reader.h"
#include "runlog/records.h"

namespace rlvr::runlog {

struct RunDir {
  std::string path;
  std::string config_path, metrics_path, rollouts_path;  // empty when the file is absent
  std::vector<long> checkpoint_steps;                    // sorted
};

// Throws rlvr::Error when `path` is not a directory or holds none of the run files.
RunDir open_run_dir(const std::string& path);

// A few lines worth seeing first ("run.name = default", "rewards.verifiers = boxed_math x1, ...")
// from config.toml; a config that does not parse gives one line saying so.
std::vector<std::pair<std::string, std::string>> config_digest(const RunDir& run);

// Every metrics line in file order; bad lines go to `problems`.
std::vector<MetricsRow> read_metrics(const RunDir& run, ReadProblems& problems);

}  // namespace rlvr::runlog
