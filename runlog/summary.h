// `rlvr logs summary`: one streaming pass over rollouts.jsonl plus the metrics, condensed into
// what a user checks first (progress, best/latest reward, status counts, lengths, a sparkline).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "runlog/jsonl_reader.h"
#include "runlog/records.h"
#include "runlog/run_dir.h"

namespace rlvr::runlog {

// Running totals over the samples seen so far; `latest_*` cover the highest step only.
struct RolloutStats {
  long samples = 0;
  long latest_step = -1;
  long latest_samples = 0;
  StatusCounts statuses, latest_statuses;
  std::map<std::string, long> finish_reasons;
  double length_sum = 0, latest_length_sum = 0;
  long length_count = 0, latest_length_count = 0;
  std::map<long, std::pair<double, long>> reward_by_step;  // step -> (sum, count)

  void add(const Rollout& sample);
};

struct Summary {
  RunDir run;
  std::vector<std::pair<std::string, std::string>> config;
  std::vector<MetricsRow> metrics;
  ReadProblems metrics_problems, rollout_problems;
  RolloutStats rollouts;
};

Summary summarize(const std::string& run_path);
void print_summary(const Summary& summary, std::ostream& out);

// Eight-level bar characters for `values` (NaN prints a space), averaged into at most
// `width` buckets; flat series print mid-height bars.
std::string sparkline(const std::vector<double>& values, size_t width);

}  // namespace rlvr::runlog
