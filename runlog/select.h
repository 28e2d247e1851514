// Choosing samples from rollouts.jsonl for `rlvr logs show`: filters that combine (step range,
// prompt, status, verifier, reward bounds, a regex on the completion), sorting and a limit,
// in one streaming pass.
#pragma once

#include <climits>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runlog/jsonl_reader.h"
#include "runlog/records.h"
#include "runlog/run_dir.h"

namespace rlvr::runlog {

struct StepRange {
  long first = LONG_MIN, last = LONG_MAX;
  bool contains(long step) const { return step >= first && step <= last; }
};

// "12", "10:20", "10..20", "10:" or ":20"; throws rlvr::Error naming the text otherwise.
StepRange parse_step_range(const std::string& text);

// A compiled PCRE2 pattern (UTF, JIT when available); throws rlvr::Error with the offset of a
// syntax error.
class Regex {
 public:
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  bool search(const std::string& text) const;

 private:
  void* code_ = nullptr;        // pcre2_code_8*
  void* match_data_ = nullptr;  // pcre2_match_data_8*; one per Regex, so not shared across threads
};

struct SampleFilter {
  std::optional<StepRange> steps;
  std::optional<long> prompt_id;
  std::string status;    // a sample matches when one of its verdicts (by `verifier` if set) has it
  std::string verifier;  // a sample matches when it has a verdict by this verifier
  double min_reward = -INFINITY, max_reward = INFINITY;
  std::shared_ptr<Regex> grep;  // searched in the completion

  bool matches(const Rollout& sample) const;
  // Everything but --grep, which needs the completion: what the fast reader's fields can decide.
  bool matches_fields(const Rollout& sample) const;
};

enum class SortKey { kNone, kReward, kLength, kStep };
SortKey parse_sort_key(const std::string& text);  // "reward", "length", "step"; throws otherwise

struct Selection {
  std::vector<Rollout> samples;  // at most `limit`, sorted as asked
  long matched = 0;              // all matches, beyond the limit too
  long scanned = 0;
  std::set<std::string> statuses_seen, verifiers_seen;
  ReadProblems problems;
};

// limit 0 means no limit. reverse: descending order (or the last matches when unsorted).
Selection select_samples(const RunDir& run, const SampleFilter& filter, SortKey sort = SortKey::kNone,
                         bool reverse = false, size_t limit = 0);

// Throws rlvr::Error when a selection came back empty because --status or --verifier named a
// value that no sample in the run has, listing the ones it does have.
void check_filter_values(const SampleFilter& filter, const Selection& selection);

}  // namespace rlvr::runlog
