// Filters, sorting and the streaming selection pass behind `rlvr logs show`.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "runlog/select.h"

#include <pcre2.h>

#include <algorithm>
#include <deque>

#include "common/error.h"
#include "runlog/fast_rollout.h"

namespace rlvr::runlog {
namespace {

bool parse_long(const std::string& text, long& out) {
  if (text.empty() || text.size() > 18) return false;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size() || text.find_first_not_of("0123456789", start) != std::string::npos) return false;
  out = std::stol(text);
  return true;
}

double sort_value(const Rollout& r, SortKey key) {
  switch (key) {
    case SortKey::kReward: return std::isnan(r.reward) ? -INFINITY : r.reward;
    case SortKey::kLength: return static_cast<double>(r.completion_tokens >= 0 ? r.completion_tokens
                                                                                : static_cast<long>(r.completion.size()));
    case SortKey::kStep: return static_cast<double>(r.step);
    case SortKey::kNone: break;
  }
  return 0;
}

std::string join(const std::set<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out.empty() ? "none" : out;
}

}  // namespace

StepRange parse_step_range(const std::string& text) {
  StepRange range;
  size_t sep = text.find(':');
  size_t sep_length = 1;
  if (sep == std::string::npos && (sep = text.find("..")) != std::string::npos) sep_length = 2;
  bool ok;
  if (sep == std::string::npos) {
    ok = parse_long(text, range.first);
    range.last = range.first;
  } else {
    std::string a = text.substr(0, sep), b = text.substr(sep + sep_length);
    ok = !(a.empty() && b.empty()) && (a.empty() || parse_long(a, range.first)) &&
         (b.empty() || parse_long(b, range.last));
  }
  RLVR_CHECK(ok, "runlog", "--step expects N, A:B, A: or :B (A..B also works), got '", text, "'");
  RLVR_CHECK(range.first <= range.last, "runlog", "--step range '", text, "' is empty (first > last)");
  return range;
}

Regex::Regex(const std::string& pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    RLVR_FAIL("runlog", "bad --grep pattern", "'", pattern, "' at offset ", offset, ": ",
              reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional: matching falls back to the interpreter
  code_ = code;
  match_data_ = pcre2_match_data_create_from_pattern(code, nullptr);
}

Regex::~Regex() {
  pcre2_match_data_free(static_cast<pcre2_match_data*>(match_data_));
  pcre2_code_free(static_cast<pcre2_code*>(code_));
}

bool Regex::search(const std::string& text) const {
  int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       0, static_cast<pcre2_match_data*>(match_data_), nullptr);
  return rc >= 0;  // no match, and match-limit errors on pathological patterns, both count as no
}

bool SampleFilter::matches(const Rollout& r) const { return matches_fields(r) && (!grep || grep->search(r.completion)); }

bool SampleFilter::matches_fields(const Rollout& r) const {
  if (steps && !steps->contains(r.step)) return false;
  if (prompt_id && r.prompt_id != *prompt_id) return false;
  if (!(r.reward >= min_reward) && min_reward > -INFINITY) return false;
  if (!(r.reward <= max_reward) && max_reward < INFINITY) return false;
  if (!verifier.empty() || !status.empty()) {
    bool found = false;
    for (const Verdict& v : r.verdicts)
      if ((verifier.empty() || v.verifier == verifier) && (status.empty() || v.status == status)) found = true;
    if (!found) return false;
  }
  return true;
}

SortKey parse_sort_key(const std::string& text) {
  if (text == "reward") return SortKey::kReward;
  if (text == "length") return SortKey::kLength;
  if (text == "step") return SortKey::kStep;
  RLVR_FAIL("runlog", "unknown --sort key", "'", text, "' (use reward, length or step)");
}

Selection select_samples(const RunDir& run, const SampleFilter& filter, SortKey sort, bool reverse, size_t limit) {
  Selection selection;
  RLVR_CHECK(!run.rollouts_path.empty(), "runlog", "'", run.path, "' has no rollouts.jsonl");
  auto before = [&](const Rollout& a, const Rollout& b) {
    double x = sort_value(a, sort), y = sort_value(b, sort);
    if (x != y) return reverse ? x > y : x < y;
    return a.line < b.line;
  };
  std::deque<Rollout> kept;
  const auto seen = [&](const Rollout& r) {
    ++selection.scanned;
    for (const Verdict& v : r.verdicts) {
      if (selection.verifiers_seen.size() < 64) selection.verifiers_seen.insert(v.verifier);
      if (selection.statuses_seen.size() < 64) selection.statuses_seen.insert(v.status);
    }
  };
  const auto consider = [&](const nlohmann::json& object, long line) {
    Rollout r = rollout_from_json(object, line);
    seen(r);
    if (!filter.matches(r)) return true;
    ++selection.matched;
    if (sort == SortKey::kNone) {
      // Unsorted: the first `limit` matches, or the last ones when reversed.
      if (limit == 0 || kept.size() < limit) kept.push_back(std::move(r));
      else if (reverse) kept.pop_front(), kept.push_back(std::move(r));
      return true;
    }
    kept.push_back(std::move(r));
    if (limit > 0 && kept.size() >= 4 * limit + 1024) {  // keep memory bounded on huge logs
      std::partial_sort(kept.begin(), kept.begin() + static_cast<long>(limit), kept.end(), before);
      kept.resize(limit);
    }
    return true;
  };
  // The fast reader rules most samples out without building a full document.
  FastRolloutReader fast;
  Rollout quick;
  for_each_line(run.rollouts_path, selection.problems, [&](std::string_view line, long number) {
    if (fast.read_summary_fields(line, number, quick) && !filter.matches_fields(quick)) {
      seen(quick);
      return true;
    }
    return parse_object_line(line, number, selection.problems, consider);
  });
  if (sort != SortKey::kNone) {
    std::sort(kept.begin(), kept.end(), before);
    if (limit > 0 && kept.size() > limit) kept.resize(limit);
  } else if (reverse) {
    std::reverse(kept.begin(), kept.end());
  }
  selection.samples.assign(std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
  return selection;
}

void check_filter_values(const SampleFilter& filter, const Selection& s) {
  if (s.matched > 0 || s.scanned == 0) return;
  RLVR_CHECK(filter.verifier.empty() || s.verifiers_seen.count(filter.verifier), "runlog", "no sample has a verdict by '",
             filter.verifier, "' (verifiers in this run: ", join(s.verifiers_seen), ")");
  RLVR_CHECK(filter.status.empty() || s.statuses_seen.count(filter.status), "runlog", "no sample has status '",
             filter.status, "' (statuses in this run: ", join(s.statuses_seen), ")");
}

}  // namespace rlvr::runlog
