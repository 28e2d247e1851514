// The summary pass and its text layout.
#include "runlog/summary.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

#include "common/error.h"
#include "runlog/fast_rollout.h"
#include "runlog/fields.h"

namespace rlvr::runlog {
namespace {

// The order statuses print in; any other status a verifier invents follows, sorted.
const std::vector<std::string> kStatusOrder = {"correct", "wrong", "no_answer", "timeout", "error"};

std::string fixed(double x, int digits) {
  if (std::isnan(x)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << x;
  return os.str();
}

std::string human_bytes(long long bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) value /= 1000, ++unit;
  return fixed(value, unit == 0 ? 0 : 1) + " " + units[unit];
}

struct Extremes {
  double latest = kMissing, best = kMissing;
  long latest_step = -1, best_step = -1;
};

Extremes extremes(const std::vector<MetricsRow>& rows, const std::string& phase, const std::string& name) {
  Extremes e;
  for (const MetricsRow& row : rows) {
    if (row.phase != phase) continue;
    double x = row.get(name);
    if (std::isnan(x)) continue;
    if (row.step >= e.latest_step) e.latest = x, e.latest_step = row.step;
    if (std::isnan(e.best) || x > e.best) e.best = x, e.best_step = row.step;
  }
  return e;
}

void print_extremes(std::ostream& out, const char* label, const Extremes& e) {
  if (e.latest_step < 0) return;
  out << std::left << std::setw(14) << label << "latest " << fixed(e.latest, 4) << " (step " << e.latest_step
      << ")   best " << fixed(e.best, 4) << " (step " << e.best_step << ")\n";
}

// Router replay's diagnostic: the latest step's route agreement and its mean over the RL steps.
void print_route_agreement(std::ostream& out, const std::vector<MetricsRow>& rows) {
  const Extremes e = extremes(rows, field::kPhaseRl, field::kRouteAgreement);
  if (e.latest_step < 0) return;
  double sum = 0;
  long n = 0;
  for (const MetricsRow& row : rows)
    if (row.phase == field::kPhaseRl && !std::isnan(row.get(field::kRouteAgreement)))
      sum += row.get(field::kRouteAgreement), ++n;
  out << std::left << std::setw(14) << "route agree" << "latest " << fixed(e.latest, 4) << " (step " << e.latest_step
      << ")   mean " << fixed(sum / static_cast<double>(n), 4) << "\n";
}

// The latest GRPO step's rollout-correction diagnostics (runs that log them).
void print_correction(std::ostream& out, const std::vector<MetricsRow>& rows) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->phase != field::kPhaseRl || std::isnan(it->get(field::kRolloutKl))) continue;
    out << std::left << std::setw(14) << "correction" << "rollout kl " << fixed(it->get(field::kRolloutKl), 5)
        << " · ratios outside [0.5, 2] " << fixed(100.0 * it->get(field::kRolloutRatioOutside), 2) << "% · max ratio "
        << fixed(it->get(field::kRolloutRatioMax), 3) << " · masked "
        << fixed(100.0 * it->get(field::kRolloutMaskedFrac), 2) << "% · prompts drawn "
        << fixed(it->get(field::kPromptsDrawn), 0) << " (step " << it->step << ")\n";
    return;
  }
}

void print_status_table(std::ostream& out, const StatusCounts& counts, const char* title) {
  if (counts.empty()) return;
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& [verifier, statuses] : counts)
    for (const auto& [status, n] : statuses) seen.insert(status);
  for (const std::string& s : kStatusOrder) {  // always shown, so tables line up
    seen.erase(s);
    columns.push_back(s);
  }
  columns.insert(columns.end(), seen.begin(), seen.end());
  size_t name_width = 12;
  for (const auto& [verifier, statuses] : counts) name_width = std::max(name_width, verifier.size() + 2);
  out << std::left << std::setw(static_cast<int>(name_width)) << title;
  for (const std::string& c : columns) out << std::right << std::setw(std::max<int>(c.size(), 14) + 2) << c;
  out << "\n";
  for (const auto& [verifier, statuses] : counts) {
    long total = 0;
    for (const auto& [status, n] : statuses) total += n;
    out << std::left << std::setw(static_cast<int>(name_width)) << ("  " + verifier);
    for (const std::string& c : columns) {
      auto it = statuses.find(c);
      long n = it == statuses.end() ? 0 : it->second;
      std::string cell = cat(n, " (", fixed(total ? 100.0 * n / total : 0.0, 1), "%)");
      out << std::right << std::setw(std::max<int>(c.size(), 14) + 2) << cell;
    }
    out << "\n";
  }
}

}  // namespace

void RolloutStats::add(const Rollout& r) {
  ++samples;
  if (r.step > latest_step) {
    latest_step = r.step;
    latest_samples = 0;
    latest_statuses.clear();
    latest_length_sum = 0;
    latest_length_count = 0;
  }
  const bool latest = r.step == latest_step;
  if (latest) ++latest_samples;
  for (const Verdict& v : r.verdicts) {
    ++statuses[v.verifier][v.status];
    if (latest) ++latest_statuses[v.verifier][v.status];
  }
  if (!r.finish_reason.empty()) ++finish_reasons[r.finish_reason];
  if (r.completion_tokens >= 0) {
    length_sum += static_cast<double>(r.completion_tokens);
    ++length_count;
    if (latest) latest_length_sum += static_cast<double>(r.completion_tokens), ++latest_length_count;
  }
  if (!std::isnan(r.reward)) {
    auto& [sum, count] = reward_by_step[r.step];
    sum += r.reward;
    ++count;
  }
}

Summary summarize(const std::string& run_path) {
  Summary s;
  s.run = open_run_dir(run_path);
  s.config = config_digest(s.run);
  s.metrics = read_metrics(s.run, s.metrics_problems);
  if (s.run.rollouts_path.empty()) return s;
  FastRolloutReader fast;
  Rollout sample;
  const auto full = [&](const nlohmann::json& object, long line) {
    s.rollouts.add(rollout_from_json(object, line));
    return true;
  };
  for_each_line(s.run.rollouts_path, s.rollout_problems, [&](std::string_view line, long number) {
    if (!fast.read_summary_fields(line, number, sample)) return parse_object_line(line, number, s.rollout_problems, full);
    s.rollouts.add(sample);
    return true;
  });
  return s;
}

std::string sparkline(const std::vector<double>& values, size_t width) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty() || width == 0) return "";
  const size_t buckets = std::min(width, values.size());
  std::vector<double> means(buckets, kMissing);
  for (size_t b = 0; b < buckets; ++b) {
    size_t begin = b * values.size() / buckets, end = (b + 1) * values.size() / buckets;
    double sum = 0;
    long n = 0;
    for (size_t i = begin; i < end; ++i)
      if (!std::isnan(values[i])) sum += values[i], ++n;
    if (n) means[b] = sum / static_cast<double>(n);
  }
  double lo = INFINITY, hi = -INFINITY;
  for (double m : means)
    if (!std::isnan(m)) lo = std::min(lo, m), hi = std::max(hi, m);
  std::string line;
  for (double m : means) {
    if (std::isnan(m)) {
      line += " ";
      continue;
    }
    int level = hi > lo ? static_cast<int>(std::lround((m - lo) / (hi - lo) * 7)) : 3;
    line += kBars[std::clamp(level, 0, 7)];
  }
  return line;
}

void print_summary(const Summary& s, std::ostream& out) {
  auto file_note = [](const std::string& path, const ReadProblems& p) -> std::string {
    if (path.empty()) return "absent";
    return cat(p.lines, " lines, ", human_bytes(p.bytes));
  };
  out << std::left << std::setw(14) << "run" << s.run.path << "\n";
  out << std::setw(14) << "files" << "config.toml " << (s.run.config_path.empty() ? "absent" : "present")
      << " · metrics.jsonl " << file_note(s.run.metrics_path, s.metrics_problems) << " · rollouts.jsonl "
      << file_note(s.run.rollouts_path, s.rollout_problems) << "\n";
  for (const auto& [key, value] : s.config) out << std::setw(14) << "config" << key << " = " << value << "\n";

  std::map<std::string, std::pair<long, long>> phases;  // phase -> (lines, last step)
  for (const MetricsRow& row : s.metrics) {
    auto& [lines, last] = phases[row.phase.empty() ? "?" : row.phase];
    ++lines;
    last = std::max(last, row.step);
  }
  std::string steps;
  for (const auto& [phase, info] : phases)
    steps += cat(steps.empty() ? "" : " · ", phase, " ", info.first, " lines (last step ", info.second, ")");
  if (!s.run.checkpoint_steps.empty()) {
    steps += " · checkpoints";
    for (long step : s.run.checkpoint_steps) steps += cat(" ", step);
  }
  if (!steps.empty()) out << std::setw(14) << "steps" << steps << "\n";

  print_extremes(out, "reward", extremes(s.metrics, field::kPhaseRl, field::kRewardMean));
  print_extremes(out, "accuracy", extremes(s.metrics, field::kPhaseRl, field::kAccuracy));
  print_extremes(out, "eval accuracy", extremes(s.metrics, field::kPhaseEval, field::kEvalAccuracy));
  print_route_agreement(out, s.metrics);
  print_correction(out, s.metrics);
  Extremes speed = extremes(s.metrics, field::kPhaseRl, field::kTokensPerS);
  if (speed.latest_step < 0) speed = extremes(s.metrics, field::kPhaseSft, field::kTokensPerS);
  if (speed.latest_step >= 0)
    out << std::setw(14) << "tokens/s" << "latest " << fixed(speed.latest, 1) << " (step " << speed.latest_step
        << ")\n";

  const RolloutStats& r = s.rollouts;
  if (r.samples > 0) {
    out << std::setw(14) << "samples" << r.samples << " (latest step " << r.latest_step << ": " << r.latest_samples
        << ")\n";
    if (r.length_count > 0)
      out << std::setw(14) << "response len" << "mean " << fixed(r.length_sum / r.length_count, 1)
          << " tokens (latest step "
          << fixed(r.latest_length_count ? r.latest_length_sum / r.latest_length_count : kMissing, 1) << ")\n";
    if (!r.finish_reasons.empty()) {
      out << std::setw(14) << "finish";
      for (const auto& [reason, n] : r.finish_reasons)
        out << reason << " " << fixed(100.0 * n / r.samples, 1) << "%  ";
      out << "\n";
    }
  }

  // Reward per step: from the metrics when they have it, else from the samples.
  std::vector<std::pair<long, double>> series;
  for (const MetricsRow& row : s.metrics)
    if (row.phase == field::kPhaseRl && !std::isnan(row.get(field::kRewardMean)))
      series.push_back({row.step, row.get(field::kRewardMean)});
  if (series.empty())
    for (const auto& [step, sum_count] : r.reward_by_step)
      series.push_back({step, sum_count.first / static_cast<double>(sum_count.second)});
  if (!series.empty()) {
    std::vector<double> values;
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [step, x] : series) values.push_back(x), lo = std::min(lo, x), hi = std::max(hi, x);
    out << std::setw(14) << "reward/step" << sparkline(values, 60) << "  steps " << series.front().first << ".."
        << series.back().first << ", min " << fixed(lo, 3) << " max " << fixed(hi, 3) << "\n";
  }

  if (!r.statuses.empty()) {
    out << "\n";
    print_status_table(out, r.statuses, "all steps");
    print_status_table(out, r.latest_statuses, cat("step ", r.latest_step).c_str());
  } else {
    // No samples: the latest step's counts from the metrics.
    for (auto it = s.metrics.rbegin(); it != s.metrics.rend(); ++it)
      if (!it->status_counts.empty()) {
        out << "\n";
        print_status_table(out, it->status_counts, cat("step ", it->step).c_str());
        break;
      }
  }

  for (const ReadProblems* p : {&s.metrics_problems, &s.rollout_problems}) {
    if (p->partial_last_line)
      out << "note: " << p->path << ": the last line is incomplete (run still writing?); it was skipped\n";
    if (p->bad_lines == 0) continue;
    out << "warning: " << p->bad_lines << " bad line(s) skipped in " << p->path << "\n";
    for (const std::string& m : p->messages) out << "  " << m << "\n";
    if (static_cast<size_t>(p->bad_lines) > p->messages.size())
      out << "  ... and " << p->bad_lines - static_cast<long>(p->messages.size()) << " more\n";
  }
}

}  // namespace rlvr::runlog
