// The two record kinds of a run directory: one metrics.jsonl line per step and phase, one
// rollouts.jsonl line per sample. Every field may be absent; a field of the wrong type throws
// BadRecord naming it.
#pragma once

#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::runlog {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// status_counts: verifier -> status -> count.
using StatusCounts = std::map<std::string, std::map<std::string, long>>;

struct MetricsRow {
  long line = 0;
  long step = -1;
  std::string phase;                      // "sft", "rl", "eval" or what the trainer wrote
  std::map<std::string, double> values;   // every numeric field but "step"
  StatusCounts status_counts;

  double get(const std::string& name) const;  // kMissing when absent
};

struct Verdict {
  std::string verifier;
  double weight = kMissing;
  double reward = kMissing;
  std::string status;
  std::string detail;  // what the verifier extracted and compared; shown as is
};

struct Rollout {
  long line = 0;
  long step = -1;
  long prompt_id = -1;
  long sample_index = -1;
  std::string prompt;
  std::string completion;
  std::string answer;
  bool has_answer = false;
  std::vector<Verdict> verdicts;
  double reward = kMissing;
  double advantage = kMissing;
  long prompt_tokens = -1;
  long completion_tokens = -1;
  std::string finish_reason;
  double rollout_logprob = kMissing;
  double learner_logprob = kMissing;
};

MetricsRow metrics_row_from_json(const nlohmann::json& object, long line);
Rollout rollout_from_json(const nlohmann::json& object, long line);
nlohmann::json rollout_to_json(const Rollout& rollout);  // the same fields, for --json and the report

}  // namespace rlvr::runlog
