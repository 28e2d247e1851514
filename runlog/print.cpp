// Text layout of samples, groups and step diffs.
#include "runlog/print.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "common/error.h"
#include "runlog/text.h"

namespace rlvr::runlog {
namespace {

const char* kBold = "\x1b[1m";
const char* kDim = "\x1b[2m";
const char* kRed = "\x1b[31m";
const char* kGreen = "\x1b[32m";
const char* kYellow = "\x1b[33m";
const char* kCyan = "\x1b[36m";
const char* kReset = "\x1b[0m";

std::string paint(const Style& style, const char* code, const std::string& text) {
  return style.colour ? std::string(code) + text + kReset : text;
}

const char* status_colour(const std::string& status) {
  if (status == "correct") return kGreen;
  if (status == "wrong") return kRed;
  return kYellow;
}

std::string number(double x, int digits, bool sign = false) {
  if (std::isnan(x)) return "-";
  std::ostringstream os;
  if (sign) os << std::showpos;
  os << std::fixed << std::setprecision(digits) << x;
  return os.str();
}

void print_block(std::ostream& out, const std::string& label, const std::string& text, const Style& style) {
  out << paint(style, kBold, label) << "\n";
  std::string_view trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.remove_suffix(1);
  for (const std::string& line : wrap(terminal_safe(trimmed), style.width > 4 ? style.width - 2 : 2))
    out << "  " << line << "\n";
}

std::string first_status(const Rollout& r) { return r.verdicts.empty() ? "-" : r.verdicts.front().status; }

bool by_reward_desc(const Rollout& a, const Rollout& b) {
  double x = std::isnan(a.reward) ? -INFINITY : a.reward, y = std::isnan(b.reward) ? -INFINITY : b.reward;
  return x != y ? x > y : a.sample_index < b.sample_index;
}

}  // namespace

void print_sample(std::ostream& out, const Rollout& r, const Style& style) {
  std::string header = cat("── step ", r.step, " · prompt ", r.prompt_id, " · sample ", r.sample_index, " · reward ",
                           number(r.reward, 3), " · advantage ", number(r.advantage, 3, true), " · ",
                           r.completion_tokens, " tokens · ", r.finish_reason.empty() ? "-" : r.finish_reason, " ");
  out << paint(style, kCyan, header) << paint(style, kDim, cat("(line ", r.line, ")")) << "\n";
  print_block(out, "prompt", r.prompt, style);
  print_block(out, "completion", r.completion, style);
  if (r.has_answer) out << paint(style, kBold, "gold answer") << "  " << terminal_safe(r.answer) << "\n";
  for (const Verdict& v : r.verdicts) {
    out << "  " << std::left << std::setw(14) << terminal_safe(v.verifier) << " w " << std::setw(5) << number(v.weight, 2)
        << " reward " << std::setw(6) << number(v.reward, 3) << " "
        << paint(style, status_colour(v.status), fit(terminal_safe(v.status), 10)) << " " << terminal_safe(v.detail)
        << "\n";
  }
  if (!std::isnan(r.rollout_logprob) || !std::isnan(r.learner_logprob))
    out << paint(style, kDim, cat("  logprob rollout ", number(r.rollout_logprob, 3), " learner ",
                                  number(r.learner_logprob, 3)))
        << "\n";
  out << "\n";
}

void print_group(std::ostream& out, std::vector<Rollout> samples, const Style& style) {
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end(), by_reward_desc);
  const Rollout& first = samples.front();
  double mean = 0;
  for (const Rollout& r : samples) mean += std::isnan(r.reward) ? 0 : r.reward;
  mean /= static_cast<double>(samples.size());
  out << paint(style, kCyan, cat("── prompt ", first.prompt_id, " · step ", first.step, " · ", samples.size(),
                                 " samples · mean reward ", number(mean, 3), " "))
      << "\n";
  print_block(out, "prompt", first.prompt, style);
  if (first.has_answer) out << paint(style, kBold, "gold answer") << "  " << terminal_safe(first.answer) << "\n";
  out << "\n" << paint(style, kBold, "  #  reward  advantage  tokens  finish  status per verifier / detail") << "\n";
  for (const Rollout& r : samples) {
    out << std::right << std::setw(3) << r.sample_index << "  " << std::setw(6) << number(r.reward, 3) << "  "
        << std::setw(9) << number(r.advantage, 3, true) << "  " << std::setw(6) << r.completion_tokens << "  "
        << std::left << std::setw(6) << r.finish_reason << " ";
    for (const Verdict& v : r.verdicts)
      out << " " << terminal_safe(v.verifier) << ":" << paint(style, status_colour(v.status), terminal_safe(v.status))
          << " [" << fit(terminal_safe(v.detail), std::min<size_t>(40, display_width(terminal_safe(v.detail)))) << "]";
    out << "\n";
  }
  out << "\n";

  // Completions side by side, as many columns of at least 32 characters as the width allows.
  const size_t gap = 3;
  const size_t columns = std::clamp<size_t>((style.width + gap) / (32 + gap), 1, samples.size());
  const size_t column_width = (style.width + gap) / columns - gap;
  for (size_t begin = 0; begin < samples.size(); begin += columns) {
    size_t end = std::min(samples.size(), begin + columns);
    std::vector<std::vector<std::string>> cells;
    size_t rows = 0;
    for (size_t i = begin; i < end; ++i) {
      cells.push_back(wrap(terminal_safe(samples[i].completion), column_width));
      rows = std::max(rows, cells.back().size());
    }
    for (size_t i = begin; i < end; ++i) {
      std::string title = fit(cat("#", samples[i].sample_index, " reward ", number(samples[i].reward, 3), " ",
                                  first_status(samples[i])),
                              column_width);
      out << paint(style, samples[i].reward > 0 ? kGreen : kRed, title) << (i + 1 < end ? " │ " : "\n");
    }
    for (size_t row = 0; row < rows; ++row) {
      std::string line;
      for (size_t c = 0; c < cells.size(); ++c) {
        line += fit(row < cells[c].size() ? cells[c][row] : "", column_width);
        if (c + 1 < cells.size()) line += " │ ";
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << "\n";
    }
    out << "\n";
  }
}

void print_step_diff(std::ostream& out, long step_a, const std::vector<Rollout>& a, long step_b,
                     const std::vector<Rollout>& b, const Style& style) {
  auto describe = [&](long step, const std::vector<Rollout>& samples) {
    std::map<std::string, long> statuses, answers;
    double reward = 0, length = 0;
    for (const Rollout& r : samples) {
      reward += std::isnan(r.reward) ? 0 : r.reward;
      length += static_cast<double>(std::max(0L, r.completion_tokens));
      ++statuses[first_status(r)];
      if (!r.verdicts.empty()) ++answers[terminal_safe(r.verdicts.front().detail)];
    }
    if (samples.empty()) {
      out << paint(style, kBold, cat("step ", step)) << ": no samples of this prompt\n";
      return;
    }
    const double n = static_cast<double>(samples.size());
    out << paint(style, kBold, cat("step ", step)) << ": " << samples.size() << " samples, mean reward "
        << number(reward / n, 3) << ", mean length " << number(length / n, 1) << " tokens, status";
    for (const auto& [status, count] : statuses) out << " " << paint(style, status_colour(status), status) << " " << count;
    out << "\n";
    for (const auto& [answer, count] : answers) out << "  " << std::setw(3) << count << "x  " << answer << "\n";
  };
  if (!a.empty() || !b.empty()) {
    const Rollout& any = a.empty() ? b.front() : a.front();
    out << paint(style, kCyan, cat("── prompt ", any.prompt_id, ": step ", step_a, " → step ", step_b, " ")) << "\n";
    print_block(out, "prompt", any.prompt, style);
    if (any.has_answer) out << paint(style, kBold, "gold answer") << "  " << terminal_safe(any.answer) << "\n";
  }
  describe(step_a, a);
  describe(step_b, b);
  if (a.empty() || b.empty()) return;
  const Rollout& best_a = *std::min_element(a.begin(), a.end(), by_reward_desc);
  const Rollout& best_b = *std::min_element(b.begin(), b.end(), by_reward_desc);
  out << "\n"
      << paint(style, kBold, cat("best completion: step ", step_a, " sample ", best_a.sample_index, " (reward ",
                                 number(best_a.reward, 3), ") → step ", step_b, " sample ", best_b.sample_index,
                                 " (reward ", number(best_b.reward, 3), ")"))
      << "\n";
  for (const DiffLine& line : diff_lines(terminal_safe(best_a.completion), terminal_safe(best_b.completion))) {
    std::string text = cat(line.op, " ", line.text);
    out << (line.op == '-' ? paint(style, kRed, text) : line.op == '+' ? paint(style, kGreen, text) : text) << "\n";
  }
}

}  // namespace rlvr::runlog
